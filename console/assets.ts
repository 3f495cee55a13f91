/**
 * The console's stylesheet and its one script, served from memory (no build chain). The script
 * is progressive enhancement only: every page works without it (forms post, pages link).
 */
export const STYLESHEET = `
:root { --fg:#1d2433; --muted:#5b6577; --line:#d9dee7; --accent:#0b5cff; --bad:#b42318; --ok:#067647; --warn:#b54708; --bg:#f6f7f9; }
* { box-sizing: border-box; }
body { margin:0; font:14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color:var(--fg); background:var(--bg); }
header.top { display:flex; gap:24px; align-items:center; padding:10px 24px; background:#fff; border-bottom:1px solid var(--line); }
header.top .brand { font-weight:700; }
header.top nav a { margin-right:16px; color:var(--fg); text-decoration:none; }
header.top nav a.here { color:var(--accent); font-weight:600; }
header.top .who { margin-left:auto; color:var(--muted); display:flex; gap:12px; align-items:center; }
main { padding:20px 24px; max-width:1400px; }
h1 { font-size:20px; margin:0 0 14px; }
h2 { font-size:16px; margin:22px 0 8px; }
table { border-collapse:collapse; width:100%; background:#fff; border:1px solid var(--line); }
th, td { text-align:left; padding:6px 10px; border-bottom:1px solid var(--line); vertical-align:top; }
th { background:#fafbfc; font-weight:600; white-space:nowrap; }
form.inline { display:inline; }
.filters { display:flex; gap:10px; flex-wrap:wrap; align-items:end; margin-bottom:12px; }
.filters label, .form label { display:flex; flex-direction:column; gap:3px; font-size:12px; color:var(--muted); }
input, select, textarea, button { font:inherit; padding:5px 8px; border:1px solid var(--line); border-radius:4px; background:#fff; }
button, .button { background:var(--accent); color:#fff; border-color:var(--accent); cursor:pointer; text-decoration:none; padding:5px 12px; border-radius:4px; display:inline-block; }
button.secondary, .button.secondary { background:#fff; color:var(--fg); border-color:var(--line); }
button.danger { background:var(--bad); border-color:var(--bad); }
.form { display:grid; gap:12px; max-width:720px; background:#fff; padding:16px; border:1px solid var(--line); border-radius:6px; }
.muted { color:var(--muted); }
.badge { display:inline-block; padding:0 6px; border-radius:8px; font-size:12px; border:1px solid var(--line); background:#fff; }
.badge.active, .badge.completed, .badge.done { color:var(--ok); border-color:var(--ok); }
.badge.inactive, .badge.failed, .badge.rejected { color:var(--bad); border-color:var(--bad); }
.badge.held, .badge.applying, .badge.planning, .badge.running { color:var(--warn); border-color:var(--warn); }
.errors { background:#fef3f2; border:1px solid #fecdca; color:var(--bad); padding:10px 14px; border-radius:6px; margin-bottom:12px; }
.notice { background:#ecfdf3; border:1px solid #abefc6; color:var(--ok); padding:10px 14px; border-radius:6px; margin-bottom:12px; }
.pager { margin:10px 0; display:flex; gap:12px; align-items:center; }
.diff .create { color:var(--ok); } .diff .update { color:var(--warn); } .diff .deactivate, .diff .remove { color:var(--bad); }
.bulk { display:flex; gap:8px; margin:8px 0; }
progress { width:320px; height:14px; }
dl.facts { display:grid; grid-template-columns:max-content 1fr; gap:4px 16px; background:#fff; border:1px solid var(--line); padding:12px 16px; border-radius:6px; }
dl.facts dt { color:var(--muted); }
dl.facts dd { margin:0; }
.signin { max-width:360px; margin:80px auto; }
`;

/** Live progress: polls the run's progress JSON, updates the bar and counts, reloads when it ends. */
export const SCRIPT = `
(function () {
  var box = document.querySelector('[data-progress-url]');
  if (box) {
    var url = box.getAttribute('data-progress-url');
    var tick = function () {
      fetch(url, { credentials: 'same-origin', headers: { accept: 'application/json' } })
        .then(function (r) { return r.json(); })
        .then(function (p) {
          var bar = box.querySelector('progress');
          if (bar) { bar.max = Math.max(p.total, 1); bar.value = p.done; }
          var text = box.querySelector('[data-progress-text]');
          if (text) text.textContent = p.text;
          var drawn = box.getAttribute('data-status');
          if (p.finished || (drawn && p.status !== drawn)) { window.location.reload(); } else { setTimeout(tick, 1000); }
        })
        .catch(function () { setTimeout(tick, 3000); });
    };
    setTimeout(tick, 1000);
  }
  var all = document.querySelector('input[data-check-all]');
  if (all) all.addEventListener('change', function () {
    document.querySelectorAll('input[name="email"]').forEach(function (c) { c.checked = all.checked; });
  });
})();
`;

// Placeholder: replaced by the harness that starts Temporal, slapd and SMTP once per run.
export default async function globalSetup(): Promise<void> {}

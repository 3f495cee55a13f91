/**
 * What the product reports to Prometheus, as typed events with bounded values (a run kind, an op
 * kind and outcome, an endpoint's path template, an HTTP status, a rate label — never an email or
 * an id). The places where things happen call `metrics.*`: the Zoom request core, the rate
 * governor, the directory read, the apply engine, run begin and finish.
 *
 * The events cost nothing until a sink is installed. The worker installs the prom-client registry
 * (./registry.ts) when it serves /metrics; the CLI, which reads directories and calls Zoom through
 * the same code, never loads prom-client (~100 ms of start-up on a loaded machine).
 */
import type { OpKind } from '../domain/types';
import type { RateLabel } from '../zoom/types';

export interface MetricsSink {
  runStarted(kind: string): void;
  runFinished(kind: string, status: string, seconds: number): void;
  /** `count` ops of a kind reached a final outcome (each op once, when its outcome is stored). */
  opsSettled(kind: OpKind, outcome: string, count: number): void;
  /** One request sent; `status` is the HTTP status, or `error` when no answer came (network, timeout). */
  zoomRequest(endpoint: string, status: string): void;
  zoomRateLimited(label: RateLabel): void;
  governorWait(label: RateLabel, seconds: number): void;
  directoryRead(users: number, seconds: number): void;
  directoryReadFailed(): void;
  /** A delta poll ended: idle, busy, full (fell back to a full run) or run; its time in seconds. */
  deltaPoll(outcome: string, seconds: number): void;
}

let sink: MetricsSink | null = null;

/** Routes the events to `s` (null: back to no-ops). One sink per process: the worker's registry. */
export function installMetricsSink(s: MetricsSink | null): void {
  sink = s;
}

export const metrics: MetricsSink = {
  runStarted: (kind) => sink?.runStarted(kind),
  runFinished: (kind, status, seconds) => sink?.runFinished(kind, status, seconds),
  opsSettled: (kind, outcome, count) => {
    if (count > 0) sink?.opsSettled(kind, outcome, count);
  },
  zoomRequest: (endpoint, status) => sink?.zoomRequest(endpoint, status),
  zoomRateLimited: (label) => sink?.zoomRateLimited(label),
  governorWait: (label, seconds) => sink?.governorWait(label, seconds),
  directoryRead: (users, seconds) => sink?.directoryRead(users, seconds),
  directoryReadFailed: () => sink?.directoryReadFailed(),
  deltaPoll: (outcome, seconds) => sink?.deltaPoll(outcome, seconds),
};

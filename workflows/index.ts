/**
 * Every workflow the worker registers. Worker.create / bundleWorkflowCode load this file
 * (`workflowsPath: require.resolve('./workflows')`): add one `export *` line per workflow module.
 */
export * from './health';
export * from './reconcile';
export * from './admin-job';
export * from './scoped-reconcile';

/**
 * The modules the worker runs: the API's own list, so the two processes can never disagree about
 * which plugins are installed (a job queued by the API always has its processor here).
 */
export { installedPlugins, platformJobs, platformServices } from '@civicgrid/api/plugins';

/**
 * tools/cluster: the multi-process Pushwire cluster — registry on DynamoDB plus several edges — for
 * `npm run start:cluster` and for the cluster integration tests.
 */
export {
  startCluster,
  DEFAULT_CLUSTER_PORTS,
  type Cluster,
  type ClusterEdge,
  type ClusterOptions,
  type ClusterPorts,
  type EdgePorts,
} from './cluster';
export { ServiceProcess, type ServiceSpec, type OutputSink, type Exit } from './service-process';

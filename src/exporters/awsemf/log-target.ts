import type { Attributes } from '../../model/attributes.js';
import { anyValueToString } from '../../model/any-value.js';

/**
 * log_group_name and log_stream_name with the Collector's placeholders,
 * filled from resource attributes (the first one present), else
 * "undefined" as the Collector writes it:
 *
 *   {ClusterName}           ClusterName, aws.ecs.cluster.name, k8s.cluster.name
 *   {TaskId}                TaskId, aws.ecs.task.id
 *   {NodeName}              NodeName, k8s.node.name
 *   {ContainerInstanceId}   ContainerInstanceId, aws.ecs.container.instance.id
 *   {TaskDefinitionFamily}  TaskDefinitionFamily, aws.ecs.task.family
 *
 * Characters a log group or stream name cannot hold are replaced by "_"
 * in the filled-in values. Results are cached per resource.
 */

const SOURCES: Readonly<Record<string, readonly string[]>> = {
  ClusterName: ['ClusterName', 'aws.ecs.cluster.name', 'k8s.cluster.name'],
  TaskId: ['TaskId', 'aws.ecs.task.id'],
  NodeName: ['NodeName', 'k8s.node.name'],
  ContainerInstanceId: ['ContainerInstanceId', 'aws.ecs.container.instance.id'],
  TaskDefinitionFamily: ['TaskDefinitionFamily', 'aws.ecs.task.family'],
};

const PLACEHOLDER = /\{(\w+)\}/g;
const HAS_PLACEHOLDER = /\{\w+\}/;
const GROUP_UNSAFE = /[^\w\-./#]/g;
const STREAM_UNSAFE = /[:*]/g;

export class LogTargets {
  private readonly cache = new Map<Attributes, { group: string; stream: string }>();
  private readonly fixed: { group: string; stream: string } | undefined;

  constructor(
    private readonly group: string,
    private readonly stream: string,
  ) {
    this.fixed = HAS_PLACEHOLDER.test(group) || HAS_PLACEHOLDER.test(stream) ? undefined : { group, stream };
  }

  of(resource: Attributes): { group: string; stream: string } {
    if (this.fixed !== undefined) return this.fixed;
    let t = this.cache.get(resource);
    if (t === undefined) {
      t = { group: fill(this.group, resource, GROUP_UNSAFE), stream: fill(this.stream, resource, STREAM_UNSAFE) };
      if (this.cache.size > 10_000) this.cache.clear();
      this.cache.set(resource, t);
    }
    return t;
  }
}

function fill(template: string, resource: Attributes, unsafe: RegExp): string {
  return template.replace(PLACEHOLDER, (whole, name: string) => {
    const sources = SOURCES[name];
    if (sources === undefined) return whole;
    for (const k of sources) {
      const v = resource.get(k);
      if (v !== undefined && v !== null && v !== '') return anyValueToString(v).replace(unsafe, '_');
    }
    return 'undefined';
  });
}

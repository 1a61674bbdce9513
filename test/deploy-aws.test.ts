import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { branches, cfnLint, type Json, listenPorts, readCfnTemplate } from './kit/deploy-files.js';
import { ROOT } from './kit/gateway.js';

/**
 * deploy/aws: cfn-lint must find nothing, and the properties that matter
 * for security and for the data to flow are checked one by one: the task
 * role allows only what the gateway does, and the ports line up from the
 * container's config to the task definition, the NLB and the member side.
 */

type Obj = Record<string, Json>;
const obj = (v: Json | undefined): Obj => v as Obj;
const arr = (v: Json | undefined): Json[] => v as Json[];

const central = readCfnTemplate('deploy/aws/central.yaml');
const member = readCfnTemplate('deploy/aws/member.yaml');
const res = (t: Obj, name: string): Obj => obj(obj(obj(t.Resources)[name]).Properties);
const ofType = (t: Obj, type: string): [string, Obj][] =>
  Object.entries(obj(t.Resources))
    .filter(([, r]) => obj(r).Type === type)
    .map(([n, r]) => [n, obj(obj(r).Properties)]);

/** The container's listening ports, from the configs the task can run with. */
function containerConfigPorts(): Set<number> {
  const ports = new Set<number>();
  for (const f of ['config.yaml', 'putmetricdata.yaml']) {
    for (const p of listenPorts(readFileSync(join(ROOT, 'deploy/container', f), 'utf8')).values()) ports.add(p);
  }
  return ports;
}

function gatewayContainer(): Obj {
  const defs = arr(res(central, 'TaskDefinition').ContainerDefinitions).flatMap(branches).map(obj);
  const c = defs.find((d) => d.Name === 'tributary');
  if (c === undefined) throw new Error('no tributary container in the task definition');
  return c;
}

describe('deploy/aws templates', () => {
  it('pass cfn-lint with no findings', () => {
    const r = cfnLint(['deploy/aws/central.yaml', 'deploy/aws/member.yaml']);
    expect(r.output).toBe('');
    expect(r.status).toBe(0);
  });

  it('give the task role aps:RemoteWrite on the workspace, and CloudWatch actions only behind their switches', () => {
    const policies = arr(res(central, 'TaskRole').Policies);
    const found: { action: string; resource: Json; condition: string | undefined }[] = [];
    for (const p of policies) {
      const cond = obj(p)['Fn::If'] !== undefined ? String(arr(obj(p)['Fn::If'])[0]) : undefined;
      for (const doc of branches(p)) {
        for (const st of arr(obj(obj(doc).PolicyDocument).Statement)) {
          expect(obj(st).Effect).toBe('Allow');
          for (const a of [obj(st).Action].flat()) found.push({ action: String(a), resource: obj(st).Resource, condition: cond });
        }
      }
    }
    expect(found.map((f) => f.action).sort()).toEqual(
      ['aps:RemoteWrite', 'cloudwatch:PutMetricData', 'logs:CreateLogGroup', 'logs:CreateLogStream', 'logs:DescribeLogStreams', 'logs:PutLogEvents', 'logs:PutRetentionPolicy'].sort(),
    );
    const rw = found.find((f) => f.action === 'aps:RemoteWrite')!;
    expect(rw.condition).toBeUndefined();
    expect(rw.resource).toEqual({ 'Fn::GetAtt': ['Workspace', 'Arn'] });
    expect(found.find((f) => f.action === 'cloudwatch:PutMetricData')!.condition).toBe('CloudWatchMetricsEnabled');
    for (const f of found.filter((x) => x.action.startsWith('logs:'))) {
      expect(f.condition).toBe('EmfEnabled');
      expect(JSON.stringify(f.resource)).toContain('${EmfLogGroupName}');
    }
    const conditions = obj(central.Conditions);
    expect(conditions.CloudWatchMetricsEnabled).toEqual({ 'Fn::Equals': [{ Ref: 'EnableCloudWatchMetrics' }, 'true'] });
    expect(conditions.EmfEnabled).toEqual({ 'Fn::Equals': [{ Ref: 'EnableEmf' }, 'true'] });
    // No managed policy widens it.
    expect(res(central, 'TaskRole').ManagedPolicyArns).toBeUndefined();
  });

  it('map exactly the ports the container config listens on', () => {
    const mapped = arr(gatewayContainer().PortMappings).map((m) => Number(obj(m).ContainerPort));
    expect(new Set(mapped)).toEqual(containerConfigPorts());
    expect(mapped).toHaveLength(new Set(mapped).size);
  });

  it('send to the stack own workspace, in its region, with the image config as command', () => {
    const c = gatewayContainer();
    const env = Object.fromEntries(arr(c.Environment).flatMap(branches).map((e) => [String(obj(e).Name), obj(e).Value]));
    expect(env.AWS_PROMETHEUS_ENDPOINT).toEqual({ 'Fn::Sub': '${Workspace.PrometheusEndpoint}api/v1/remote_write' });
    expect(env.AWS_REGION).toEqual({ Ref: 'AWS::Region' });
    const cmd = arr(c.Command).flatMap(branches);
    expect(cmd.slice(0, 2)).toEqual(['--config', '/etc/tributary/config.yaml']);
    expect(cmd).toContain('/etc/tributary/putmetricdata.yaml');
    expect(JSON.stringify(obj(c.HealthCheck).Command)).toContain('127.0.0.1:13133');
  });

  it('put a TLS listener with the certificate before every receiver port, forwarding to the same container port', () => {
    const listeners = ofType(central, 'AWS::ElasticLoadBalancingV2::Listener');
    const groups = Object.fromEntries(ofType(central, 'AWS::ElasticLoadBalancingV2::TargetGroup'));
    const service = res(central, 'Service');
    const byGroup = new Map(arr(service.LoadBalancers).map((lb) => [obj(obj(lb).TargetGroupArn).Ref, Number(obj(lb).ContainerPort)]));
    const receiverPorts = new Set(containerConfigPorts());
    receiverPorts.delete(13133);
    receiverPorts.delete(8888);
    expect(new Set(listeners.map(([, l]) => Number(l.Port)))).toEqual(receiverPorts);
    for (const [name, l] of listeners) {
      expect(l.Protocol, name).toBe('TLS');
      expect(arr(l.Certificates)).toEqual([{ CertificateArn: { Ref: 'CertificateArn' } }]);
      const group = String(obj(obj(arr(l.DefaultActions)[0]).TargetGroupArn).Ref);
      expect(Number(groups[group].Port), name).toBe(Number(l.Port));
      expect(byGroup.get(group), name).toBe(Number(l.Port));
      expect(groups[group].HealthCheckPort).toBe('13133');
    }
    // gRPC through a TLS listener needs HTTP/2 by ALPN.
    expect(listeners.find(([, l]) => l.Port === 4317)![1].AlpnPolicy).toEqual(['HTTP2Preferred']);
  });

  it('offer the NLB as an endpoint service to the allowed member accounts, and output its name', () => {
    expect(res(central, 'EndpointService').NetworkLoadBalancerArns).toEqual([{ Ref: 'LoadBalancer' }]);
    expect(res(central, 'EndpointServicePermissions').AllowedPrincipals).toEqual({ Ref: 'AllowedPrincipals' });
    const outputs = obj(central.Outputs);
    for (const o of ['EndpointServiceName', 'LoadBalancerDnsName', 'WorkspaceId', 'WorkspacePrometheusEndpoint']) expect(outputs[o], o).toBeDefined();
    expect(obj(outputs.EndpointServiceName).Value).toEqual({ 'Fn::Sub': 'com.amazonaws.vpce.${AWS::Region}.${EndpointService}' });
  });

  it('let member workloads reach OTLP through an interface endpoint and tell them how', () => {
    const ep = res(member, 'Endpoint');
    expect(ep.VpcEndpointType).toBe('Interface');
    expect(ep.ServiceName).toEqual({ Ref: 'EndpointServiceName' });
    const ingress = arr(res(member, 'EndpointSecurityGroup').SecurityGroupIngress).map((r) => Number(obj(r).FromPort));
    const listenerPorts = new Set(ofType(central, 'AWS::ElasticLoadBalancingV2::Listener').map(([, l]) => Number(l.Port)));
    for (const p of ingress) expect(listenerPorts.has(p), `member port ${p}`).toBe(true);
    const outputs = obj(member.Outputs);
    expect(obj(outputs.OtlpEndpoint).Value).toEqual({ 'Fn::Sub': 'https://${ServiceDnsName}:4317' });
    expect(obj(outputs.OtlpProtocol).Value).toBe('grpc');
    expect(JSON.stringify(obj(outputs.WorkloadEnvironment).Value)).toContain('OTEL_EXPORTER_OTLP_PROTOCOL=grpc');
  });
});

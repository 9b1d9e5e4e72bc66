import { newClusterId, renderLog4jProperties, renderServerProperties } from './kafka';

const props = (text: string) =>
  Object.fromEntries(
    text
      .trim()
      .split('\n')
      .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
  );

describe('Kafka configuration', () => {
  it('renders a single-node KRaft broker on loopback with replication factor 1 everywhere', () => {
    const p = props(renderServerProperties({ broker: 40001, controller: 40002 }, '/tmp/run/kafka/data'));
    expect(p).toMatchObject({
      'process.roles': 'broker,controller',
      'node.id': '1',
      'controller.quorum.voters': '1@127.0.0.1:40002',
      listeners: 'PLAINTEXT://127.0.0.1:40001,CONTROLLER://127.0.0.1:40002',
      'advertised.listeners': 'PLAINTEXT://127.0.0.1:40001',
      'controller.listener.names': 'CONTROLLER',
      'inter.broker.listener.name': 'PLAINTEXT',
      'listener.security.protocol.map': 'CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT',
      'log.dirs': '/tmp/run/kafka/data',
      'offsets.topic.replication.factor': '1',
      'transaction.state.log.replication.factor': '1',
      'transaction.state.log.min.isr': '1',
      'group.initial.rebalance.delay.ms': '0',
    });
  });

  it('logs to the given file', () => {
    expect(renderLog4jProperties('/tmp/run/kafka/server.log')).toContain('log4j.appender.file.File=/tmp/run/kafka/server.log');
  });

  it('makes cluster ids shaped like Kafka Uuids: 22 base64url characters, never a leading dash', () => {
    const ids = Array.from({ length: 500 }, newClusterId);
    for (const id of ids) expect(id).toMatch(/^[A-Za-z0-9_][A-Za-z0-9_-]{21}$/);
    expect(new Set(ids).size).toBe(ids.length);
  });
});

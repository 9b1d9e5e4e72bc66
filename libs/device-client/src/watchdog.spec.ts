import { HeartbeatWatchdog } from './watchdog';

describe('HeartbeatWatchdog', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  const make = () => {
    const probe = jest.fn();
    const dead = jest.fn();
    return { probe, dead, dog: new HeartbeatWatchdog({ probe, dead }) };
  };

  it('probes after 2 heartbeats of silence and declares the line dead one heartbeat later', () => {
    const { probe, dead, dog } = make();
    dog.start(10);
    jest.advanceTimersByTime(19_999);
    expect(probe).not.toHaveBeenCalled();
    jest.advanceTimersByTime(1);
    expect(probe).toHaveBeenCalledTimes(1);
    jest.advanceTimersByTime(9_999);
    expect(dead).not.toHaveBeenCalled();
    jest.advanceTimersByTime(1);
    expect(dead).toHaveBeenCalledTimes(1);
  });

  it('counts the quiet period from the last activity, and an answer to the probe clears it', () => {
    const { probe, dead, dog } = make();
    dog.start(10);
    jest.advanceTimersByTime(15_000);
    dog.activity();
    jest.advanceTimersByTime(19_000);
    expect(probe).not.toHaveBeenCalled();
    jest.advanceTimersByTime(1_000);
    expect(probe).toHaveBeenCalledTimes(1);
    dog.activity(); // pong
    jest.advanceTimersByTime(19_999);
    expect(dead).not.toHaveBeenCalled();
    expect(probe).toHaveBeenCalledTimes(1);
    expect(jest.getTimerCount()).toBe(1);
  });

  it('keeps one timer however many messages arrive, and none after stop', () => {
    const { dog } = make();
    dog.start(1);
    for (let i = 0; i < 1000; i++) dog.activity();
    expect(jest.getTimerCount()).toBe(1);
    dog.stop();
    expect(jest.getTimerCount()).toBe(0);
  });
});

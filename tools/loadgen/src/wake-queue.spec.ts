import { WakeQueue } from './wake-queue';

describe('WakeQueue', () => {
  it('hands out sleepers whose time has come, earliest first, and keeps the others', () => {
    const q = new WakeQueue<{ wakeAt: number; name: string }>();
    const wakeAts = [50, 10, 40, 10, 30, 70, 20, 60];
    wakeAts.forEach((wakeAt, i) => q.push({ wakeAt, name: `s${i}` }));
    const due: number[] = [];
    for (let s = q.popDue(40); s; s = q.popDue(40)) due.push(s.wakeAt);
    expect(due).toEqual([10, 10, 20, 30, 40]);
    expect(q.size).toBe(3);
    expect(q.popDue(49)).toBeUndefined();
    q.push({ wakeAt: 0, name: 'late' });
    expect(q.popDue(49)?.name).toBe('late');
    q.clear();
    expect(q.popDue(Infinity)).toBeUndefined();
  });

  it('stays ordered over many random pushes and pops', () => {
    const q = new WakeQueue<{ wakeAt: number }>();
    const values = Array.from({ length: 1000 }, () => Math.floor(Math.random() * 10_000));
    for (const wakeAt of values) q.push({ wakeAt });
    const out: number[] = [];
    for (let s = q.popDue(Infinity); s; s = q.popDue(Infinity)) out.push(s.wakeAt);
    expect(out).toEqual([...values].sort((a, b) => a - b));
  });
});

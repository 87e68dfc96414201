import { EventLoopBusyMonitor } from './event-loop-busy';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe(EventLoopBusyMonitor.name, () => {
  it('should report a synchronous stretch as busy CPU time, and waiting as neither', async () => {
    const monitor = new EventLoopBusyMonitor();
    monitor.start();
    try {
      await sleep(50);
      monitor.take();
      await sleep(150);
      expect(monitor.take().busyMs).toBeLessThan(50);

      await sleep(20);
      monitor.take();
      const until = performance.now() + 200;
      let spin = 0;
      while (performance.now() < until) spin++;
      await sleep(30);
      const busy = monitor.take();
      expect(spin).toBeGreaterThan(0);
      expect(busy.delayMs).toBeGreaterThanOrEqual(180);
      // CPU time of a 200 ms spin: less only when the host did not schedule the process for part of it.
      expect(busy.busyMs).toBeGreaterThan(40);
      expect(monitor.take()).toEqual({ busyMs: expect.any(Number), delayMs: expect.any(Number) });
    } finally {
      monitor.stop();
    }
  });
});

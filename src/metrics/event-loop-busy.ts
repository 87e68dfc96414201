/**
 * How long this process's own work holds the event loop, independent of how busy the machine is.
 * A timer ticks every TICK_MS; between two ticks the loop was unavailable for (wall gap − TICK_MS)
 * and the process spent `cpu` of CPU time. On a loaded host the wall gap also contains time the OS
 * did not schedule the process; the CPU time does not, so max CPU between two turns is the longest
 * synchronous stretch the service itself caused (an upper bound: it includes GC helper threads).
 * Both maxima are reset each time they are read (each /metrics scrape).
 */
export class EventLoopBusyMonitor {
  static readonly TICK_MS = 10;
  private timer: NodeJS.Timeout | null = null;
  private lastWall = 0;
  private lastCpu = 0;
  private maxCpuMs = 0;
  private maxGapMs = 0;

  start(): void {
    if (this.timer) return;
    this.lastWall = performance.now();
    this.lastCpu = cpuMs();
    this.timer = setInterval(() => this.tick(), EventLoopBusyMonitor.TICK_MS);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  /** The maxima since the previous call, in ms, then resets them. */
  take(): { busyMs: number; delayMs: number } {
    this.tick();
    const figures = { busyMs: this.maxCpuMs, delayMs: this.maxGapMs };
    this.maxCpuMs = 0;
    this.maxGapMs = 0;
    return figures;
  }

  private tick(): void {
    const wall = performance.now();
    const cpu = cpuMs();
    this.maxGapMs = Math.max(this.maxGapMs, wall - this.lastWall - EventLoopBusyMonitor.TICK_MS);
    this.maxCpuMs = Math.max(this.maxCpuMs, cpu - this.lastCpu);
    this.lastWall = wall;
    this.lastCpu = cpu;
  }
}

function cpuMs(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
}

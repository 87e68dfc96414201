/**
 * Coalesces concurrent calls into one execution per batch (group commit). A call waits at most for
 * the batches already in flight: with `maxInFlight` of them running, new calls queue and go out
 * together in the next one, so under load N requests cost one database round trip instead of N,
 * and when idle a call is sent on the next tick, alone. Every caller gets its own result or the
 * batch's error; nothing is answered before the batch has finished (durability is unchanged).
 */
export class MicroBatcher<In, Out> {
  private queue: Array<{ input: In; resolve: (out: Out) => void; reject: (error: unknown) => void }> = [];
  private inFlight = 0;
  private scheduled = false;

  constructor(
    /** Runs one batch; returns one result per input, in order. */
    private readonly execute: (inputs: In[]) => Promise<Out[]>,
    private readonly options: { maxBatch: number; maxInFlight: number },
  ) {}

  submit(input: In): Promise<Out> {
    return new Promise<Out>((resolve, reject) => {
      this.queue.push({ input, resolve, reject });
      this.schedule();
    });
  }

  private schedule(): void {
    if (this.scheduled || this.inFlight >= this.options.maxInFlight || this.queue.length === 0) return;
    this.scheduled = true;
    // Calls made in the same tick (several requests parsed from one read) join this batch.
    process.nextTick(() => {
      this.scheduled = false;
      this.flush();
    });
  }

  private flush(): void {
    while (this.inFlight < this.options.maxInFlight && this.queue.length > 0) {
      const batch = this.queue.splice(0, this.options.maxBatch);
      this.inFlight++;
      this.execute(batch.map((call) => call.input)).then(
        (outputs) => {
          if (outputs.length !== batch.length) {
            const error = new Error(`batch returned ${outputs.length} results for ${batch.length} inputs`);
            for (const call of batch) call.reject(error);
          } else {
            batch.forEach((call, i) => call.resolve(outputs[i]));
          }
          this.done();
        },
        (error: unknown) => {
          for (const call of batch) call.reject(error);
          this.done();
        },
      );
    }
  }

  private done(): void {
    this.inFlight--;
    this.schedule();
  }
}

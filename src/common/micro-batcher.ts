interface Call<In, Out> {
  input: In;
  resolve: (out: Out) => void;
  reject: (error: unknown) => void;
  /** Retried after its batch failed: goes in a batch of its own. */
  alone?: boolean;
}

/**
 * Coalesces concurrent calls into one execution per batch (group commit). A call waits at most for
 * the batches already in flight: with `maxInFlight` of them running, new calls queue and go out
 * together in the next one, so under load N requests cost one database round trip instead of N,
 * and when idle a call is sent on the next tick, alone. Every caller gets its own result or the
 * batch's error; nothing is answered before the batch has finished (durability is unchanged). When
 * `splitOnError` says a batch failed because of one call's input (bad data), each of its calls is
 * run again alone, so only the culprit gets the error.
 */
export class MicroBatcher<In, Out> {
  private queue: Array<Call<In, Out>> = [];
  private inFlight = 0;
  private scheduled = false;

  constructor(
    /** Runs one batch; returns one result per input, in order. */
    private readonly execute: (inputs: In[]) => Promise<Out[]>,
    private readonly options: {
      /** At most this many calls per batch. */
      maxBatch: number;
      maxInFlight: number;
      /** With `maxWeight`: a batch takes calls while their summed weight stays within it (at least one call). */
      weigh?: (input: In) => number;
      maxWeight?: number;
      /** True for errors caused by some call's input rather than by the database or the batch as a whole. */
      splitOnError?: (error: unknown) => boolean;
    },
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
      const batch = this.queue.splice(0, this.batchLength());
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
          if (batch.length > 1 && this.options.splitOnError?.(error)) {
            this.queue.unshift(...batch.map((call) => ({ ...call, alone: true })));
          } else {
            for (const call of batch) call.reject(error);
          }
          this.done();
        },
      );
    }
  }

  /** How many queued calls the next batch takes. */
  private batchLength(): number {
    const { maxBatch, weigh, maxWeight } = this.options;
    if (this.queue[0].alone) return 1;
    const limit = Math.min(maxBatch, this.queue.length);
    let weight = weigh?.(this.queue[0].input) ?? 0;
    let length = 1;
    while (length < limit && !this.queue[length].alone) {
      if (weigh !== undefined && maxWeight !== undefined) {
        weight += weigh(this.queue[length].input);
        if (weight > maxWeight) break;
      }
      length++;
    }
    return length;
  }

  private done(): void {
    this.inFlight--;
    this.schedule();
  }
}

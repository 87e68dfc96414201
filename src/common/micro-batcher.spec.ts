import { MicroBatcher } from './micro-batcher';

/** A batch executor whose batches the test completes by hand. */
function controlledExecutor() {
  const batches: Array<{ inputs: number[]; finish: (outputs: string[]) => void; fail: (error: Error) => void }> = [];
  const execute = (inputs: number[]) => new Promise<string[]>((resolve, reject) => batches.push({ inputs, finish: resolve, fail: reject }));
  return { batches, execute };
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe(MicroBatcher.name, () => {
  it('should send calls of the same tick as one batch, and give each caller its own result', async () => {
    const { batches, execute } = controlledExecutor();
    const batcher = new MicroBatcher(execute, { maxBatch: 100, maxInFlight: 1 });
    const results = [1, 2, 3].map((n) => batcher.submit(n));
    await tick();
    expect(batches.map((b) => b.inputs)).toEqual([[1, 2, 3]]);
    batches[0].finish(['one', 'two', 'three']);
    await expect(Promise.all(results)).resolves.toEqual(['one', 'two', 'three']);
  });

  it('should queue calls made while a batch is in flight and send them together when it ends', async () => {
    const { batches, execute } = controlledExecutor();
    const batcher = new MicroBatcher(execute, { maxBatch: 100, maxInFlight: 1 });
    const first = batcher.submit(1);
    await tick();
    const later = [2, 3, 4].map((n) => batcher.submit(n));
    await tick();
    expect(batches).toHaveLength(1);
    batches[0].finish(['a']);
    await expect(first).resolves.toBe('a');
    await tick();
    expect(batches.map((b) => b.inputs)).toEqual([[1], [2, 3, 4]]);
    batches[1].finish(['b', 'c', 'd']);
    await expect(Promise.all(later)).resolves.toEqual(['b', 'c', 'd']);
  });

  it('should split the queue at maxBatch and run up to maxInFlight batches at once', async () => {
    const { batches, execute } = controlledExecutor();
    const batcher = new MicroBatcher(execute, { maxBatch: 2, maxInFlight: 2 });
    const results = [1, 2, 3, 4, 5].map((n) => batcher.submit(n));
    await tick();
    expect(batches.map((b) => b.inputs)).toEqual([
      [1, 2],
      [3, 4],
    ]);
    batches[0].finish(['1', '2']);
    await tick();
    expect(batches.map((b) => b.inputs)).toEqual([[1, 2], [3, 4], [5]]);
    batches[1].finish(['3', '4']);
    batches[2].finish(['5']);
    await expect(Promise.all(results)).resolves.toEqual(['1', '2', '3', '4', '5']);
  });

  it("should reject every call of a failed batch with the batch's error, and go on with the next one", async () => {
    const { batches, execute } = controlledExecutor();
    const batcher = new MicroBatcher(execute, { maxBatch: 100, maxInFlight: 1 });
    const failed = [batcher.submit(1), batcher.submit(2)];
    await tick();
    const next = batcher.submit(3);
    batches[0].fail(new Error('connection terminated'));
    await Promise.all(failed.map((p) => expect(p).rejects.toThrow('connection terminated')));
    await tick();
    batches[1].finish(['ok']);
    await expect(next).resolves.toBe('ok');
  });

  it('should reject a batch that answers with the wrong number of results instead of mis-assigning them', async () => {
    const { batches, execute } = controlledExecutor();
    const batcher = new MicroBatcher(execute, { maxBatch: 100, maxInFlight: 1 });
    const results = [batcher.submit(1), batcher.submit(2)];
    await tick();
    batches[0].finish(['only one']);
    await Promise.all(results.map((p) => expect(p).rejects.toThrow('batch returned 1 results for 2 inputs')));
  });

  it('should cut a batch where the summed weight would pass maxWeight, and send an over-weight call alone', async () => {
    const { batches, execute } = controlledExecutor();
    const batcher = new MicroBatcher(execute, { maxBatch: 100, maxInFlight: 3, weigh: (n: number) => n, maxWeight: 7 });
    const results = [3, 3, 3, 9, 1].map((n) => batcher.submit(n));
    await tick();
    expect(batches.map((b) => b.inputs)).toEqual([[3, 3], [3], [9]]);
    batches.forEach((b) => b.finish(b.inputs.map(String)));
    await tick();
    expect(batches[3].inputs).toEqual([1]);
    batches[3].finish(['1']);
    await expect(Promise.all(results)).resolves.toEqual(['3', '3', '3', '9', '1']);
  });

  it('should run each call of a batch alone after a split-worthy error, so only the culprit fails', async () => {
    const poison = new Error('invalid byte sequence');
    const execute = jest.fn(async (inputs: number[]) => {
      if (inputs.includes(13)) throw poison;
      return inputs.map((n) => `ok ${n}`);
    });
    const batcher = new MicroBatcher(execute, { maxBatch: 100, maxInFlight: 1, splitOnError: (error) => error === poison });
    const results = [1, 13, 2].map((n) => batcher.submit(n).catch((error: Error) => error.message));
    await expect(Promise.all(results)).resolves.toEqual(['ok 1', 'invalid byte sequence', 'ok 2']);
    expect(execute.mock.calls.map(([inputs]) => inputs)).toEqual([[1, 13, 2], [1], [13], [2]]);
  });

  it('should fail the whole batch on other errors (the database is down for everyone)', async () => {
    const down = new Error('Connection terminated');
    const execute = jest.fn(async () => Promise.reject(down));
    const batcher = new MicroBatcher<number, string>(execute, { maxBatch: 100, maxInFlight: 1, splitOnError: (error) => error !== down });
    const results = [1, 2].map((n) => batcher.submit(n).catch((error: Error) => error.message));
    await expect(Promise.all(results)).resolves.toEqual(['Connection terminated', 'Connection terminated']);
    expect(execute).toHaveBeenCalledTimes(1);
  });
});

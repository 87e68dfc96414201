import { allowedActions, canApply, LifecycleAction } from './experiment-rules';
import type { ExperimentStatus } from './experiment.model';

describe('experiment lifecycle actions', () => {
  it.each<[ExperimentStatus, LifecycleAction[]]>([
    ['draft', ['start']],
    ['running', ['pause', 'complete']],
    ['paused', ['resume', 'complete']],
    ['completed', []],
  ])('should allow from %s exactly %j', (status, actions) => {
    expect(allowedActions(status)).toEqual(actions);
  });

  it.each<[ExperimentStatus, LifecycleAction, boolean]>([
    ['paused', 'start', false], // paused → running is `resume`
    ['draft', 'resume', false], // draft → running is `start`
    ['draft', 'complete', false],
    ['running', 'resume', false],
    ['completed', 'complete', false],
    ['running', 'complete', true],
  ])('should say %s + %s is %s', (status, action, legal) => {
    expect(canApply(status, action)).toBe(legal);
  });
});

import { useState } from 'preact/hooks';
import { ApiError, api } from '../api';
import { CreateForm, Fieldset, GroupError, TextArea, TextField, numberOrUndefined, toFieldErrors } from '../components/form';
import { hours } from '../format';
import { navigate } from '../router';
import { useAction } from '../use-action';

interface StageRow {
  percentage: string;
  durationHours: string;
}

const DEFAULT_STAGES: StageRow[] = [
  { percentage: '5', durationHours: '2' },
  { percentage: '25', durationHours: '4' },
  { percentage: '50', durationHours: '8' },
  { percentage: '75', durationHours: '12' },
  { percentage: '100', durationHours: '24' },
];

type ThresholdKey = 'maxErrorRate' | 'maxLatencyMs' | 'minAccuracy' | 'minRequests';
const THRESHOLDS: { key: ThresholdKey; label: string; hint: string; initial: string }[] = [
  { key: 'maxErrorRate', label: 'Max error rate', hint: 'errors / requests, 0–1', initial: '0.05' },
  { key: 'maxLatencyMs', label: 'Max p95 latency (ms)', hint: 'milliseconds', initial: '200' },
  { key: 'minAccuracy', label: 'Min accuracy', hint: 'correct / labeled, 0–1', initial: '0.75' },
  { key: 'minRequests', label: 'Min requests per stage', hint: 'fewer → waiting for data', initial: '100' },
];

/** A thresholds input: empty disables the check (`null`), anything else goes to the API as typed. */
function thresholdValue(text: string): number | string | null {
  return numberOrUndefined(text) ?? null;
}

export function RolloutCreate() {
  const [name, setName] = useState('');
  const [description, setDescription] = useState('');
  const [modelVersion, setModelVersion] = useState('');
  const [baselineVersion, setBaselineVersion] = useState('');
  const [startTime, setStartTime] = useState('');
  const [stages, setStages] = useState<StageRow[]>(DEFAULT_STAGES);
  const [thresholds, setThresholds] = useState<Record<ThresholdKey, string>>(
    Object.fromEntries(THRESHOLDS.map((t) => [t.key, t.initial])) as Record<ThresholdKey, string>,
  );
  const [webhookUrl, setWebhookUrl] = useState('');
  const { busy, error, setError, run } = useAction<'create'>();
  const errors = toFieldErrors(error, { MODEL_VERSION_TAKEN: 'modelVersion', NAME_TAKEN: 'name' });

  const updateStage = (index: number, patch: Partial<StageRow>): void =>
    setStages(stages.map((s, i) => (i === index ? { ...s, ...patch } : s)));
  const totalHours = stages.reduce((sum, s) => sum + (Number(s.durationHours) || 0), 0);

  const submit = async (event: Event): Promise<void> => {
    event.preventDefault();
    let start: string | undefined;
    if (startTime) {
      const parsed = new Date(startTime);
      if (Number.isNaN(parsed.getTime())) {
        setError(new ApiError(400, 'Invalid input', [{ field: 'schedule.startTime', problem: 'is not a valid date and time' }]));
        return;
      }
      start = parsed.toISOString();
    }
    const body: Record<string, unknown> = {
      name,
      modelVersion,
      schedule: {
        ...(start ? { startTime: start } : {}),
        stages: stages.map((s) => ({ percentage: numberOrUndefined(s.percentage), durationHours: numberOrUndefined(s.durationHours) })),
      },
      healthThresholds: Object.fromEntries(THRESHOLDS.map((t) => [t.key, thresholdValue(thresholds[t.key])])),
    };
    if (description.trim()) body.description = description;
    if (baselineVersion.trim()) body.baselineVersion = baselineVersion.trim();
    if (webhookUrl.trim()) body.webhookUrl = webhookUrl.trim();
    await run(
      'create',
      async () => {
        const created = await api.rollouts.create(body);
        navigate(`/rollouts/${created.id}`);
      },
      { scrollToError: true },
    );
  };

  return (
    <CreateForm
      title="New rollout"
      back={{ href: '/rollouts', label: 'Back to rollouts' }}
      error={error}
      setError={setError}
      onSubmit={submit}
      busy={busy !== null}
      submitLabel="Create rollout"
      note="It is created as a draft; start it from its page."
    >
      <div class="grid-2">
        <TextField field="name" label="Name" errors={errors} value={name} onValue={setName} />
        <TextField
          field="webhookUrl"
          label="Webhook URL (optional)"
          hint="Receives a POST on every rollback."
          inputMode="url"
          errors={errors}
          value={webhookUrl}
          onValue={setWebhookUrl}
        />
      </div>
      <div class="grid-2">
        <TextField
          field="modelVersion"
          label="New model version"
          errors={errors}
          value={modelVersion}
          onValue={setModelVersion}
          placeholder="v2.0.0"
        />
        <TextField
          field="baselineVersion"
          label="Baseline model version (optional)"
          errors={errors}
          value={baselineVersion}
          onValue={setBaselineVersion}
          placeholder="v1.4.2"
        />
      </div>
      <TextArea field="description" label="Description" errors={errors} value={description} onValue={setDescription} />

      <Fieldset legend="Stages">
        <p class="hint">
          Percentages strictly increasing, the last one 100. Durations in hours (fractions allowed: 0.25 = 15 min). Total:{' '}
          {hours(totalHours * 1)}.
        </p>
        <GroupError field="schedule.stages" errors={errors} />
        <GroupError field="schedule" errors={errors} />
        <ol class="stage-editor">
          {stages.map((s, i) => (
            <li class="row-editor" key={i}>
              <TextField
                field={`schedule.stages[${i}].percentage`}
                label={`Stage ${i + 1} percentage`}
                inputMode="decimal"
                errors={errors}
                value={s.percentage}
                onValue={(value) => updateStage(i, { percentage: value })}
              />
              <TextField
                field={`schedule.stages[${i}].durationHours`}
                label="Duration (hours)"
                inputMode="decimal"
                errors={errors}
                value={s.durationHours}
                onValue={(value) => updateStage(i, { durationHours: value })}
              />
              <div class="row-buttons">
                <button
                  type="button"
                  aria-label={`Move stage ${i + 1} up`}
                  disabled={i === 0}
                  onClick={() => setStages(swap(stages, i, i - 1))}
                >
                  ↑
                </button>
                <button
                  type="button"
                  aria-label={`Move stage ${i + 1} down`}
                  disabled={i === stages.length - 1}
                  onClick={() => setStages(swap(stages, i, i + 1))}
                >
                  ↓
                </button>
                <button
                  type="button"
                  aria-label={`Remove stage ${i + 1}`}
                  disabled={stages.length <= 1}
                  onClick={() => setStages(stages.filter((_, j) => j !== i))}
                >
                  Remove
                </button>
              </div>
            </li>
          ))}
        </ol>
        <div class="row-actions">
          <button
            type="button"
            disabled={stages.length >= 20}
            onClick={() => setStages([...stages, { percentage: '100', durationHours: '1' }])}
          >
            Add stage
          </button>
          <button type="button" onClick={() => setStages(DEFAULT_STAGES)}>
            Reset to 5 / 25 / 50 / 75 / 100 %
          </button>
        </div>
        <TextField
          field="schedule.startTime"
          label="Start time (optional)"
          type="datetime-local"
          hint="In the future: starting the rollout schedules it until then. Local time."
          errors={errors}
          value={startTime}
          onValue={setStartTime}
        />
      </Fieldset>

      <Fieldset legend="Health thresholds">
        <p class="hint">Any breach during a stage rolls the model back to 0 %. Leave a field empty to disable that check.</p>
        <GroupError field="healthThresholds" errors={errors} />
        <div class="grid-4">
          {THRESHOLDS.map((t) => (
            <TextField
              key={t.key}
              field={`healthThresholds.${t.key}`}
              label={t.label}
              hint={t.hint}
              inputMode="decimal"
              errors={errors}
              value={thresholds[t.key]}
              onValue={(value) => setThresholds({ ...thresholds, [t.key]: value })}
            />
          ))}
        </div>
      </Fieldset>
    </CreateForm>
  );
}

function swap<T>(items: T[], a: number, b: number): T[] {
  const copy = items.slice();
  [copy[a], copy[b]] = [copy[b], copy[a]];
  return copy;
}

import { useState } from 'preact/hooks';
import { ApiError, api } from '../api';
import { CreateForm, Fieldset, GroupError, SelectField, TextArea, TextField, numberOrUndefined, toFieldErrors } from '../components/form';
import { navigate } from '../router';
import type { MetricGoal, MetricRole, MetricType } from '../types';
import { useAction } from '../use-action';

interface VariantRow {
  name: string;
  weight: string;
  config: string;
}

interface MetricRow {
  name: string;
  type: MetricType;
  goal: MetricGoal;
  role: MetricRole;
}

const WEIGHT_TOLERANCE = 1e-6;

function evenWeights(count: number): string[] {
  // Rounded to 4 decimals with the remainder on the last row, so the sum stays exactly 1.
  const share = Math.floor(10000 / count) / 10000;
  return Array.from({ length: count }, (_, i) => (i === count - 1 ? Number((1 - share * (count - 1)).toFixed(4)) : share).toString());
}

export function ExperimentCreate() {
  const [name, setName] = useState('');
  const [key, setKey] = useState('');
  const [description, setDescription] = useState('');
  const [hypothesis, setHypothesis] = useState('');
  const [variants, setVariants] = useState<VariantRow[]>([
    { name: 'control', weight: '0.5', config: '{}' },
    { name: 'treatment', weight: '0.5', config: '{}' },
  ]);
  const [controlVariant, setControlVariant] = useState('control');
  const [trafficAllocation, setTrafficAllocation] = useState('1');
  const [metrics, setMetrics] = useState<MetricRow[]>([{ name: '', type: 'conversion', goal: 'increase', role: 'primary' }]);
  const [minimumSampleSize, setMinimumSampleSize] = useState('100');
  const [confidenceLevel, setConfidenceLevel] = useState('0.95');
  const [analysis, setAnalysis] = useState('frequentist');
  const [correction, setCorrection] = useState('holm');
  const [hashSeed, setHashSeed] = useState('');
  const { busy, error, setError, run } = useAction<'create'>();

  const errors = toFieldErrors(error, { KEY_TAKEN: 'key', NAME_TAKEN: 'name' });
  const weights = variants.map((v) => Number(v.weight));
  const sum = weights.reduce((a, b) => a + (Number.isFinite(b) ? b : 0), 0);
  const sumOk = weights.every((w) => Number.isFinite(w) && w > 0) && Math.abs(sum - 1) <= WEIGHT_TOLERANCE;

  const updateVariant = (index: number, patch: Partial<VariantRow>): void => {
    const before = variants[index].name;
    setVariants(variants.map((v, i) => (i === index ? { ...v, ...patch } : v)));
    if (patch.name !== undefined && controlVariant === before) setControlVariant(patch.name);
  };
  const updateMetric = (index: number, patch: Partial<MetricRow>): void =>
    setMetrics(metrics.map((m, i) => (i === index ? { ...m, ...patch } : m)));

  const submit = async (event: Event): Promise<void> => {
    event.preventDefault();
    const configProblems: { field: string; problem: string }[] = [];
    const parsedConfigs = variants.map((v, i) => {
      try {
        const value: unknown = v.config.trim() === '' ? {} : JSON.parse(v.config);
        if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new Error('not an object');
        return value as Record<string, unknown>;
      } catch {
        configProblems.push({ field: `variants[${i}].config`, problem: 'must be a JSON object, e.g. {"color": "green"}' });
        return {};
      }
    });
    if (configProblems.length > 0) {
      setError(new ApiError(400, 'Invalid input', configProblems));
      return;
    }
    const body: Record<string, unknown> = {
      name,
      variants: variants.map((v, i) => ({ name: v.name, weight: numberOrUndefined(v.weight), config: parsedConfigs[i] })),
      controlVariant,
      trafficAllocation: numberOrUndefined(trafficAllocation),
      metrics,
      minimumSampleSize: numberOrUndefined(minimumSampleSize),
      confidenceLevel: numberOrUndefined(confidenceLevel),
      analysis,
      correction,
    };
    if (key.trim()) body.key = key.trim();
    if (description.trim()) body.description = description;
    if (hypothesis.trim()) body.hypothesis = hypothesis;
    if (hashSeed.trim()) body.hashSeed = hashSeed.trim();
    await run(
      'create',
      async () => {
        const created = await api.experiments.create(body);
        navigate(`/experiments/${encodeURIComponent(created.key)}`);
      },
      { scrollToError: true },
    );
  };

  return (
    <CreateForm
      title="New experiment"
      back={{ href: '/experiments', label: 'Back to experiments' }}
      error={error}
      setError={setError}
      onSubmit={submit}
      busy={busy !== null}
      submitLabel="Create experiment"
      note="It is created as a draft; start it from its page."
    >
      <div class="grid-2">
        <TextField field="name" label="Name" errors={errors} value={name} onValue={setName} required maxLength={200} />
        <TextField
          field="key"
          label="Key (optional)"
          hint="Lowercase letters, digits, . _ -; default: derived from the name. Cannot change later."
          errors={errors}
          value={key}
          onValue={setKey}
        />
      </div>
      <div class="grid-2">
        <TextArea field="description" label="Description" errors={errors} value={description} onValue={setDescription} />
        <TextArea
          field="hypothesis"
          label="Hypothesis"
          errors={errors}
          value={hypothesis}
          onValue={setHypothesis}
          placeholder="Green increases purchases by 5 %"
        />
      </div>

      <Fieldset legend="Variants">
        <GroupError field="variants" errors={errors} />
        {variants.map((v, i) => (
          <div class="row-editor" key={i}>
            <TextField
              field={`variants[${i}].name`}
              label={`Variant ${i + 1} name`}
              errors={errors}
              value={v.name}
              onValue={(value) => updateVariant(i, { name: value })}
            />
            <TextField
              field={`variants[${i}].weight`}
              label="Weight"
              inputMode="decimal"
              class="narrow"
              errors={errors}
              value={v.weight}
              onValue={(value) => updateVariant(i, { weight: value })}
            />
            <TextField
              field={`variants[${i}].config`}
              label="Config (JSON)"
              class="wide"
              errors={errors}
              value={v.config}
              onValue={(value) => updateVariant(i, { config: value })}
            />
            <button
              type="button"
              class="icon"
              aria-label={`Remove variant ${i + 1}`}
              disabled={variants.length <= 2}
              onClick={() => setVariants(variants.filter((_, j) => j !== i))}
            >
              Remove
            </button>
          </div>
        ))}
        <div class="row-actions">
          <button
            type="button"
            disabled={variants.length >= 20}
            onClick={() => setVariants([...variants, { name: `variant-${variants.length}`, weight: '0', config: '{}' }])}
          >
            Add variant
          </button>
          <button type="button" onClick={() => setVariants(variants.map((v, i) => ({ ...v, weight: evenWeights(variants.length)[i] })))}>
            Split evenly
          </button>
          <output class={`weight-sum ${sumOk ? 'ok' : 'bad'}`} aria-live="polite" id="weight-sum">
            Sum of weights: {Number(sum.toFixed(6))} {sumOk ? '✓' : '— must be exactly 1, each weight > 0'}
          </output>
        </div>
        <div class="grid-2">
          <SelectField
            field="controlVariant"
            label="Control variant"
            errors={errors}
            value={controlVariant}
            onValue={setControlVariant}
            options={variants.map((v) => v.name)}
          />
          <TextField
            field="trafficAllocation"
            label="Traffic allocation"
            hint="Share of all users who enter the experiment, in (0, 1]."
            inputMode="decimal"
            errors={errors}
            value={trafficAllocation}
            onValue={setTrafficAllocation}
          />
        </div>
      </Fieldset>

      <Fieldset legend="Metrics">
        <GroupError field="metrics" errors={errors} />
        {metrics.map((m, i) => (
          <div class="row-editor" key={i}>
            <TextField
              field={`metrics[${i}].name`}
              label={`Metric ${i + 1} event name`}
              errors={errors}
              value={m.name}
              onValue={(value) => updateMetric(i, { name: value })}
            />
            <SelectField
              field={`metrics[${i}].type`}
              label="Type"
              errors={errors}
              value={m.type}
              onValue={(value) => updateMetric(i, { type: value as MetricType })}
              options={['conversion', 'mean']}
            />
            <SelectField
              field={`metrics[${i}].goal`}
              label="Goal"
              errors={errors}
              value={m.goal}
              onValue={(value) => updateMetric(i, { goal: value as MetricGoal })}
              options={['increase', 'decrease']}
            />
            <SelectField
              field={`metrics[${i}].role`}
              label="Role"
              errors={errors}
              value={m.role}
              onValue={(value) => updateMetric(i, { role: value as MetricRole })}
              options={['primary', 'secondary', 'guardrail']}
            />
            <button
              type="button"
              class="icon"
              aria-label={`Remove metric ${i + 1}`}
              disabled={metrics.length <= 1}
              onClick={() => setMetrics(metrics.filter((_, j) => j !== i))}
            >
              Remove
            </button>
          </div>
        ))}
        <div class="row-actions">
          <button
            type="button"
            disabled={metrics.length >= 20}
            onClick={() => setMetrics([...metrics, { name: '', type: 'conversion', goal: 'increase', role: 'secondary' }])}
          >
            Add metric
          </button>
        </div>
      </Fieldset>

      <Fieldset legend="Analysis">
        <div class="grid-4">
          <TextField
            field="minimumSampleSize"
            label="Minimum users per variant"
            inputMode="numeric"
            errors={errors}
            value={minimumSampleSize}
            onValue={setMinimumSampleSize}
          />
          <TextField
            field="confidenceLevel"
            label="Confidence level"
            hint="0.5–0.999"
            inputMode="decimal"
            errors={errors}
            value={confidenceLevel}
            onValue={setConfidenceLevel}
          />
          <SelectField
            field="analysis"
            label="Analysis"
            errors={errors}
            value={analysis}
            onValue={setAnalysis}
            options={['frequentist', 'sequential', 'bayesian']}
          />
          <SelectField
            field="correction"
            label="Multiple-testing correction"
            errors={errors}
            value={correction}
            onValue={setCorrection}
            options={[
              ['holm', 'Holm'],
              ['bh', 'Benjamini–Hochberg'],
              ['none', 'None'],
            ]}
          />
        </div>
        <TextField
          field="hashSeed"
          label="Hash seed (optional)"
          hint="Default: the key. Users are bucketed by hash(seed + userId)."
          errors={errors}
          value={hashSeed}
          onValue={setHashSeed}
        />
      </Fieldset>
    </CreateForm>
  );
}

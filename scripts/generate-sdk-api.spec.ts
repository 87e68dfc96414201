import * as fs from 'node:fs';
import * as path from 'node:path';
import { GENERATED_FILES, generateApiSource } from './generate-sdk-api';

describe('api:generate', () => {
  let expected: string;

  beforeAll(async () => {
    expected = await generateApiSource();
  });

  it('should produce the /api/v1 paths and the response schemas, without the deprecated seed-000 aliases', () => {
    expect(expected).toContain("'/api/v1/sdk/definitions'");
    expect(expected).toContain('ExperimentResponse: {');
    expect(expected).toContain('ErrorBody: {');
    expect(expected).not.toContain("'/api/experiments/{idOrKey}'");
  });

  it.each(GENERATED_FILES.map((file) => [path.relative(path.resolve(__dirname, '..'), file), file]))(
    'should have committed %s as the current OpenAPI document produces it (run npm run api:generate when this fails)',
    (_relative, file) => {
      expect(fs.readFileSync(file, 'utf8')).toBe(expected);
    },
  );
});

import * as fs from 'node:fs';
import { GENERATED_FILE, generateApiSource } from './generate-sdk-api';

describe('sdk:generate', () => {
  it('should have committed the types the current OpenAPI document produces (run npm run sdk:generate when this fails)', async () => {
    const expected = await generateApiSource();
    expect(expected).toContain("'/api/v1/sdk/definitions'");
    expect(fs.readFileSync(GENERATED_FILE, 'utf8')).toBe(expected);
  });
});

/** `--set FIELD=VALUE`: fields from the settings schema, values typed and validated. */
import { parseSetFields, readSetFields, settingFields } from '../src/admin/set-fields';
import { AdminInputError } from '../src/admin/types';

describe('--set fields', () => {
  it('lists every leaf of the settings schema', () => {
    expect(settingFields()).toEqual([
      'country_iso_code',
      'client_integration',
      'client_integration_name',
      'user_access',
      'region_id',
      'channel_settings.multi_channel_engagements.enable',
      'channel_settings.multi_channel_engagements.max_agent_load',
      'channel_settings.multi_channel_engagements.email_max_agent_load',
      'channel_settings.concurrent_message_capacity',
      'channel_settings.concurrent_email_capacity',
    ]);
  });

  it('builds the nested settings object with typed values', () => {
    expect(parseSetFields([
      'country_iso_code=US',
      'client_integration=Salesforce',
      'channel_settings.multi_channel_engagements.enable=true',
      'channel_settings.multi_channel_engagements.max_agent_load=5',
      'channel_settings.concurrent_message_capacity=0',
      'client_integration_name=123',
    ])).toEqual({
      country_iso_code: 'US',
      client_integration: 'Salesforce',
      client_integration_name: '123',
      channel_settings: { multi_channel_engagements: { enable: true, max_agent_load: 5 }, concurrent_message_capacity: 0 },
    });
  });

  it('gives the schema message and the allowed values for bad values', () => {
    expect(readSetFields(['country_iso_code=usa']).problems).toEqual(['--set country_iso_code=usa: expected a two-letter ISO country code such as US']);
    expect(readSetFields(['channel_settings.multi_channel_engagements.max_agent_load=500']).problems).toEqual([
      '--set channel_settings.multi_channel_engagements.max_agent_load=500: Too big: expected number to be <=100 (allowed: a whole number from 1 to 100)',
    ]);
    expect(readSetFields(['channel_settings.multi_channel_engagements.enable=maybe']).problems[0]).toMatch(/expected boolean.*\(allowed: true or false\)/);
    expect(readSetFields(['client_integration=Foo']).problems[0]).toMatch(/^--set client_integration=Foo: Invalid option: expected one of "Default"\|"Salesforce"/);
    expect(readSetFields(['channel_settings.concurrent_email_capacity=2.5']).problems[0]).toMatch(/expected int/i);
  });

  it('names unknown fields with the valid ones, groups, repeats and missing =', () => {
    const p = readSetFields(['country_iso_cod=US', 'channel_settings=1', 'country_iso_code=US', 'country_iso_code=DE', 'nonsense']).problems;
    expect(p[0]).toMatch(/^--set country_iso_cod: unknown field \(did you mean country_iso_code\?\); valid fields: country_iso_code, client_integration/);
    expect(p[1]).toMatch(/^--set channel_settings: is a group of settings; set one of its fields: channel_settings\.multi_channel_engagements\.enable/);
    expect(p[2]).toBe('--set country_iso_code: given twice ("country_iso_code=US" and "country_iso_code=DE"); give it once');
    expect(p[3]).toBe('--set "nonsense": expected FIELD=VALUE, e.g. --set country_iso_code=US');
    expect(() => parseSetFields(['foo=1'])).toThrow(AdminInputError);
  });
});

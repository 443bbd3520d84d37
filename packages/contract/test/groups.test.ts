import { describe, expect, it } from 'vitest';
import {
  CONTRACT_GROUP_IDS,
  contractTests,
  reattachContract,
  sessionTokenContract,
  type ContractGroupId,
  type ContractTestApi,
} from '../src/index.js';
import * as contract from '../src/index.js';
import { memoryContractOptions } from './fixtures.js';

/** A runner that only records what the suite registers: `describe` paths and test names. */
function recordingApi(): { api: ContractTestApi; tests: string[] } {
  const path: string[] = [];
  const tests: string[] = [];
  const api: ContractTestApi = {
    describe(name, body) {
      path.push(name);
      body();
      path.pop();
    },
    it(name) {
      tests.push([...path, name].join(' > '));
    },
    expect,
  };
  return { api, tests };
}

const camel = (id: string) => id.replace(/-(\w)/g, (_, c: string) => c.toUpperCase());

describe('the contract by group', () => {
  it('lists every group once, and the groups together make the whole suite', () => {
    const all = contractTests(memoryContractOptions('all'), expect);
    expect([...new Set(all.map((t) => t.groupId))]).toEqual([...CONTRACT_GROUP_IDS]);
    const byGroup = CONTRACT_GROUP_IDS.flatMap((id) =>
      contractTests(memoryContractOptions('one', undefined, { only: [id] }), expect),
    );
    expect(byGroup.map((t) => `${t.groupId}: ${t.name}`)).toEqual(all.map((t) => `${t.groupId}: ${t.name}`));
  });

  it('runs only the named groups with `only`', () => {
    const some = contractTests(memoryContractOptions('some', undefined, { only: ['close', 'reattach'] }), expect);
    expect(new Set(some.map((t) => t.groupId))).toEqual(new Set(['reattach', 'close']));
    expect(some.length).toBeGreaterThan(2);
  });

  it('refuses an unknown group name with a message that lists the real ones', () => {
    const only = ['reattach', 'reatach'] as unknown as ContractGroupId[];
    expect(() => contractTests(memoryContractOptions('typo', undefined, { only }), expect)).toThrow(
      /unknown contract group 'reatach'.*new-provider/,
    );
  });

  it('exports a registration function per group that registers that group alone', () => {
    const { api, tests } = recordingApi();
    reattachContract(api, memoryContractOptions('memory'));
    expect(tests.length).toBe(
      contractTests(memoryContractOptions('x', undefined, { only: ['reattach'] }), expect).length,
    );
    expect(tests.every((t) => t.startsWith('memory: session token contract > reattach > '))).toBe(true);
    for (const id of CONTRACT_GROUP_IDS)
      expect(typeof (contract as Record<string, unknown>)[`${camel(id)}Contract`], `${camel(id)}Contract`).toBe(
        'function',
      );
  });

  it('registers every test of the whole suite under the adapter name and its group', () => {
    const { api, tests } = recordingApi();
    sessionTokenContract(api, memoryContractOptions('memory'));
    expect(tests.length).toBe(contractTests(memoryContractOptions('x'), expect).length);
    expect(tests).toContain(
      'memory: session token contract > the held session > two open() calls racing on one provider leave a token and a session that belong together',
    );
  });
});

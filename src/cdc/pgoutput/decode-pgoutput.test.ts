import { describe, expect, it } from 'vitest';
import {
  begin,
  commit,
  del,
  insert,
  logicalMessage,
  relation,
  truncate,
  update,
} from '../../../test/cdc/support/pgoutput-bytes.js';
import { decodePgoutput } from './decode-pgoutput.js';
import { unchangedToast } from './pgoutput-message.js';

describe('decodePgoutput', () => {
  it('reads each message type', () => {
    expect(decodePgoutput(begin(0x16b374d848n, 747, 12n))).toEqual({
      tag: 'begin',
      finalLsn: 0x16b374d848n,
      commitTime: 12n,
      xid: 747,
    });
    expect(decodePgoutput(commit(10n, 20n, 3n))).toEqual({
      tag: 'commit',
      flags: 0,
      commitLsn: 10n,
      endLsn: 20n,
      commitTime: 3n,
    });
    expect(
      decodePgoutput(
        relation(16384, 'public', 'tasks', [
          ['id', 20, true],
          ['title', 25],
        ]),
      ),
    ).toEqual({
      tag: 'relation',
      relationId: 16384,
      schema: 'public',
      table: 'tasks',
      replicaIdentity: 'f',
      columns: [
        { flags: 1, name: 'id', typeOid: 20, typeModifier: -1 },
        { flags: 0, name: 'title', typeOid: 25, typeModifier: -1 },
      ],
    });
    expect(decodePgoutput(insert(7, ['1', null, 'été']))).toEqual({
      tag: 'insert',
      relationId: 7,
      new: ['1', null, 'été'],
    });
    expect(decodePgoutput(update(7, ['1', 'a'], ['1', { unchanged: true }]))).toEqual({
      tag: 'update',
      relationId: 7,
      oldKind: 'O',
      old: ['1', 'a'],
      new: ['1', unchangedToast],
    });
    expect(decodePgoutput(update(7, null, ['1', 'b']))).toMatchObject({ oldKind: null, old: null });
    expect(decodePgoutput(del(7, ['1', null], 'K'))).toEqual({
      tag: 'delete',
      relationId: 7,
      oldKind: 'K',
      old: ['1', null],
    });
    expect(decodePgoutput(truncate([7, 8], 2))).toEqual({ tag: 'truncate', options: 2, relationIds: [7, 8] });
    const message = decodePgoutput(logicalMessage('switchyard.gid', 'g-1', true, 99n));
    expect(message).toMatchObject({
      tag: 'message',
      transactional: true,
      lsn: 99n,
      prefix: 'switchyard.gid',
    });
    expect(Buffer.from((message as { content: Uint8Array }).content).toString()).toBe('g-1');
  });

  it('refuses a message cut at any offset, and unknown types, with a protocol error', () => {
    const messages = [
      begin(1n, 2),
      commit(1n, 2n),
      relation(1, 'public', 't', [['a', 23]]),
      insert(1, ['x', null]),
      update(1, ['a'], ['b']),
      del(1, ['a']),
      truncate([1, 2]),
      logicalMessage('p', 'content'),
    ];
    for (const bytes of messages) {
      for (let cut = 0; cut < bytes.length; cut++) {
        expect(() => decodePgoutput(bytes.subarray(0, cut)), `cut at ${cut} of ${bytes[0]}`).toThrow(
          expect.objectContaining({ code: '08P01' }),
        );
      }
    }
    expect(() => decodePgoutput(Uint8Array.of(0x5a))).toThrow(/message of type 90/);
  });
});

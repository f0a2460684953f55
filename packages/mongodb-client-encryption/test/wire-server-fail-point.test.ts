// The test wire server's failCommand fail point (wire-server/fail-point.ts), driven by the
// official driver: what the spec's timeoutMS.json sets (blockConnection, blockTimeMS, times) and
// the rest it emulates (errorCode, closeConnection, off), and refusals of what it does not.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MongoClient } from 'mongodb7';
import { startWireServer, type WireServer } from './wire-server/server.js';

let server: WireServer;
let client: MongoClient;
const admin = () => client.db('admin');
async function timed(f: () => Promise<unknown>): Promise<number> {
  const t = Date.now();
  await f();
  return Date.now() - t;
}

beforeAll(async () => {
  server = await startWireServer();
  client = new MongoClient(server.uri);
  await client.connect();
});
afterAll(async () => {
  await client.close();
  await server.close();
});

describe('test wire server: configureFailPoint failCommand', () => {
  it('blockConnection + blockTimeMS delays exactly `times` matching commands, not the others', async () => {
    const db = client.db('fp');
    await admin().command({ configureFailPoint: 'failCommand', mode: { times: 2 }, data: { failCommands: ['listCollections', 'find'], blockConnection: true, blockTimeMS: 300 } });
    expect(await timed(() => db.command({ ping: 1 }))).toBeLessThan(250);
    expect(await timed(() => db.listCollections().toArray())).toBeGreaterThanOrEqual(290);
    expect(await timed(() => db.collection('c').find({}).toArray())).toBeGreaterThanOrEqual(290);
    expect(await timed(() => db.collection('c').find({}).toArray())).toBeLessThan(250); // times used up
  });

  it('a blocked connection makes the driver time out on its socket (what timeoutMS relies on)', async () => {
    const short = new MongoClient(server.uri, { socketTimeoutMS: 150, retryReads: false });
    try {
      await short.connect();
      await admin().command({ configureFailPoint: 'failCommand', mode: { times: 1 }, data: { failCommands: ['find'], blockConnection: true, blockTimeMS: 400 } });
      await expect(short.db('fp').collection('c').find({}).toArray()).rejects.toThrow(/timed out/i);
    } finally {
      await short.close();
      await admin().command({ configureFailPoint: 'failCommand', mode: 'off' });
    }
  });

  it('errorCode fails the command, closeConnection closes the socket, alwaysOn lasts until off', async () => {
    const other = new MongoClient(server.uri, { retryReads: false });
    const coll = other.db('fp').collection('c');
    await admin().command({ configureFailPoint: 'failCommand', mode: 'alwaysOn', data: { failCommands: ['count'], errorCode: 91 } });
    for (let i = 0; i < 3; i++) await expect(coll.estimatedDocumentCount()).rejects.toMatchObject({ code: 91 });
    await admin().command({ configureFailPoint: 'failCommand', mode: 'off' });
    expect(await coll.estimatedDocumentCount()).toBe(0);
    await admin().command({ configureFailPoint: 'failCommand', mode: { times: 1 }, data: { failCommands: ['find'], closeConnection: true } });
    await expect(coll.find({}).toArray()).rejects.toThrow();
    expect(await coll.find({}).toArray()).toEqual([]);
    await other.close();
  });

  it('refuses what it does not emulate: another fail point, mode skip, an unknown data field, a database other than admin', async () => {
    await expect(admin().command({ configureFailPoint: 'maxTimeAlwaysTimeOut', mode: 'alwaysOn' })).rejects.toThrow(/only the 'failCommand' fail point/);
    await expect(admin().command({ configureFailPoint: 'failCommand', mode: { skip: 1 }, data: { failCommands: ['find'] } })).rejects.toThrow(/mode .* is not emulated/);
    await expect(admin().command({ configureFailPoint: 'failCommand', mode: 'alwaysOn', data: { failCommands: ['find'], writeConcernError: {} } })).rejects.toThrow(/data.writeConcernError is not emulated/);
    await expect(client.db('fp').command({ configureFailPoint: 'failCommand', mode: 'off' })).rejects.toThrow(/admin database/);
  });
});

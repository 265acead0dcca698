'use strict';
/**
 * Fakes of PropertiesService, LockService, ScriptApp, Utilities, Logger and Session, with the
 * real services' limits where a script could trip on them (property sizes, trigger counts,
 * trigger frequencies, signed bytes).
 */

const crypto = require('crypto');
const fs = require('fs');

const sleepCell = new Int32Array(new SharedArrayBuffer(4));

/** Block this thread for `ms` (real time): Atomics.wait on a cell nobody notifies. */
function sleepMs(ms) {
  Atomics.wait(sleepCell, 0, 0, Math.max(0, ms));
}

// --- bytes -------------------------------------------------------------------------------------

/** Apps Script's Byte[]: a JS array of signed bytes (-128..127). */
function toByteArray(buffer) {
  return Array.from(buffer, (b) => (b > 127 ? b - 256 : b));
}

const Charset = Object.freeze({ UTF_8: 'UTF_8', US_ASCII: 'US_ASCII' });

function toBuffer(data, charset) {
  if (typeof data === 'string') {
    return Buffer.from(data, charset === Charset.US_ASCII ? 'ascii' : 'utf8');
  }
  if (Array.isArray(data)) {
    for (const b of data) {
      if (!Number.isInteger(b) || b < -128 || b > 127) {
        throw new Error(`Cannot convert ${b} to byte`);
      }
    }
    return Buffer.from(data.map((b) => b & 0xff));
  }
  if (data && typeof data.getBytes === 'function') {
    return toBuffer(data.getBytes());
  }
  throw new Error(`Cannot convert ${typeof data} to bytes`);
}

function makeBlob(buffer, contentType = null, name = null) {
  let bytes = Buffer.from(buffer);
  let type = contentType;
  let blobName = name;
  const blob = {
    getBytes: () => toByteArray(bytes),
    setBytes(data) {
      bytes = toBuffer(data);
      return blob;
    },
    getDataAsString: (charset) => bytes.toString(charset === Charset.US_ASCII ? 'ascii' : 'utf8'),
    setDataFromString(text, charset) {
      bytes = toBuffer(String(text), charset);
      return blob;
    },
    getContentType: () => type,
    setContentType(value) {
      type = value;
      return blob;
    },
    getName: () => blobName,
    setName(value) {
      blobName = value;
      return blob;
    },
    copyBlob: () => makeBlob(bytes, type, blobName),
    isGoogleType: () => false,
  };
  return blob;
}

// --- Utilities ---------------------------------------------------------------------------------

const MacAlgorithm = Object.freeze({
  HMAC_MD5: 'md5',
  HMAC_SHA_1: 'sha1',
  HMAC_SHA_256: 'sha256',
  HMAC_SHA_384: 'sha384',
  HMAC_SHA_512: 'sha512',
});
const DigestAlgorithm = Object.freeze({
  MD5: 'md5',
  SHA_1: 'sha1',
  SHA_256: 'sha256',
  SHA_384: 'sha384',
  SHA_512: 'sha512',
});

/** The real overloads take (String, String[, Charset]) or (Byte[], Byte[]), never a mix. */
function macInputs(value, key, charset) {
  const bothStrings = typeof value === 'string' && typeof key === 'string';
  const bothBytes = Array.isArray(value) && Array.isArray(key);
  if (!bothStrings && !bothBytes) {
    throw new Error('The parameters (value, key) must both be strings or both be byte arrays');
  }
  return [toBuffer(value, charset), toBuffer(key, charset)];
}

function makeUtilities(clock) {
  return {
    Charset,
    MacAlgorithm,
    DigestAlgorithm,
    computeHmacSha256Signature(value, key, charset) {
      const [data, secret] = macInputs(value, key, charset);
      return toByteArray(crypto.createHmac('sha256', secret).update(data).digest());
    },
    computeHmacSignature(algorithm, value, key, charset) {
      const [data, secret] = macInputs(value, key, charset);
      return toByteArray(crypto.createHmac(algorithm, secret).update(data).digest());
    },
    computeDigest(algorithm, value, charset) {
      return toByteArray(crypto.createHash(algorithm).update(toBuffer(value, charset)).digest());
    },
    base64Encode: (data, charset) => toBuffer(data, charset).toString('base64'),
    base64Decode: (encoded) => toByteArray(Buffer.from(encoded, 'base64')),
    newBlob: (data, contentType, name) =>
      makeBlob(toBuffer(data), contentType || null, name || null),
    getUuid: () => crypto.randomUUID(),
    /** The script's clock moves on; the test does not wait. */
    sleep(ms) {
      clock.advance(ms);
    },
    jsonParse: (text) => JSON.parse(text),
    jsonStringify: (value) => JSON.stringify(value),
  };
}

// --- PropertiesService -------------------------------------------------------------------------

const MAX_VALUE_BYTES = 9 * 1024;
const MAX_STORE_BYTES = 500 * 1024;

class PropertyStore {
  constructor(values) {
    this.writes = 0;
    this.reload(values);
  }

  reload(values) {
    this.values = Object.fromEntries(Object.entries(values).map(([k, v]) => [k, String(v)]));
    this.dirty = false;
  }

  check(next) {
    let total = 0;
    for (const [key, value] of Object.entries(next)) {
      const size = Buffer.byteLength(value);
      if (size > MAX_VALUE_BYTES) {
        throw new Error(`Argument too large: value of ${key} (${size} bytes)`);
      }
      total += Buffer.byteLength(key) + size;
    }
    if (total > MAX_STORE_BYTES) {
      throw new Error(
        'You have exceeded the property storage quota. ' +
          'Please remove some properties and try again.',
      );
    }
  }

  write(next) {
    this.check(next);
    this.values = next;
    this.dirty = true;
    this.writes += 1;
  }
}

function makeProperties(store) {
  const properties = {
    getProperty: (key) => (key in store.values ? store.values[key] : null),
    getProperties: () => ({ ...store.values }),
    getKeys: () => Object.keys(store.values),
    setProperty(key, value) {
      store.write({ ...store.values, [key]: String(value) });
      return properties;
    },
    setProperties(values, deleteAllOthers = false) {
      const next = deleteAllOthers ? {} : { ...store.values };
      for (const [key, value] of Object.entries(values)) {
        next[key] = String(value);
      }
      store.write(next);
      return properties;
    },
    deleteProperty(key) {
      const next = { ...store.values };
      delete next[key];
      store.write(next);
      return properties;
    },
    deleteAllProperties() {
      store.write({});
      return properties;
    },
  };
  return properties;
}

function makePropertiesService(scriptStore) {
  return {
    getScriptProperties: () => makeProperties(scriptStore),
    getDocumentProperties: () => null,
  };
}

// --- LockService: a lock file, so two harness processes really contend -------------------------
//
// `held.owned`: this process has the lock file; `held.active`: the script holds the lock. The
// script's releaseLock() only clears `active`: the harness removes the file after it has written
// the mailbox and the properties back, as Google's writes are visible before the lock is free.
// `onAcquired` reloads what another execution may have written while this one waited.

function lockHolderAlive(path) {
  try {
    const pid = Number(fs.readFileSync(path, 'utf8'));
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return err.code === 'EPERM';
  }
}

function makeLockService(lockPath, held, onAcquired) {
  const makeLock = () => {
    const lock = {
      tryLock(timeoutMs) {
        if (held.owned) {
          held.active = true;
          return true;
        }
        const deadline = Date.now() + Math.max(0, timeoutMs);
        const waiting = `${lockPath}.waiting.${process.pid}`; // tells tests we are queued
        try {
          for (;;) {
            try {
              fs.writeFileSync(lockPath, String(process.pid), { flag: 'wx' });
              held.owned = true;
              held.active = true;
              onAcquired();
              return true;
            } catch (err) {
              if (err.code !== 'EEXIST') throw err;
              if (!lockHolderAlive(lockPath)) {
                fs.rmSync(lockPath, { force: true }); // left behind by a killed process
                continue;
              }
            }
            if (Date.now() >= deadline) return false;
            fs.writeFileSync(waiting, '');
            sleepMs(20);
          }
        } finally {
          fs.rmSync(waiting, { force: true });
        }
      },
      waitLock(timeoutMs) {
        if (!lock.tryLock(timeoutMs)) {
          throw new Error('Lock timeout: another process was holding the lock for too long.');
        }
      },
      hasLock: () => held.active,
      releaseLock() {
        held.active = false;
      },
    };
    return lock;
  };
  return {
    getScriptLock: makeLock,
    getUserLock: makeLock,
    getDocumentLock: () => null,
  };
}

// --- ScriptApp: time-based triggers kept in the mailbox document --------------------------------

const MAX_TRIGGERS = 20;
const EVERY_MINUTES = [1, 5, 10, 15, 30];
const EVERY_HOURS = [1, 2, 4, 6, 8, 12];

function makeScriptApp(mailbox, hasFunction) {
  const doc = mailbox.doc;
  doc.triggers = doc.triggers || [];
  const wrap = (t) => ({
    getUniqueId: () => t.id,
    getHandlerFunction: () => t.handler,
    getEventType: () => 'CLOCK',
    getTriggerSource: () => 'CLOCK',
    getTriggerSourceId: () => null,
  });
  return {
    EventType: Object.freeze({ CLOCK: 'CLOCK' }),
    TriggerSource: Object.freeze({ CLOCK: 'CLOCK' }),
    newTrigger(handler) {
      const spec = { handler };
      const clock = {
        everyMinutes(n) {
          if (!EVERY_MINUTES.includes(n)) {
            throw new Error(`everyMinutes: ${n} is not one of ${EVERY_MINUTES}`);
          }
          spec.everyMinutes = n;
          return clock;
        },
        everyHours(n) {
          if (!EVERY_HOURS.includes(n)) {
            throw new Error(`everyHours: ${n} is not one of ${EVERY_HOURS}`);
          }
          spec.everyHours = n;
          return clock;
        },
        everyDays(n) {
          spec.everyDays = n;
          return clock;
        },
        create() {
          if (!hasFunction(handler)) throw new Error(`Script function not found: ${handler}`);
          if (!spec.everyMinutes && !spec.everyHours && !spec.everyDays) {
            throw new Error('A clock trigger needs a frequency');
          }
          if (doc.triggers.length >= MAX_TRIGGERS) {
            throw new Error(
              'This script has too many triggers. Triggers must be deleted from the script ' +
                'before more can be added.',
            );
          }
          const trigger = { id: crypto.randomBytes(8).toString('hex'), type: 'CLOCK', ...spec };
          doc.triggers.push(trigger);
          mailbox.touch();
          return wrap(trigger);
        },
      };
      return { timeBased: () => clock };
    },
    getProjectTriggers: () => doc.triggers.map(wrap),
    deleteTrigger(trigger) {
      const id = trigger.getUniqueId();
      doc.triggers = doc.triggers.filter((t) => t.id !== id);
      mailbox.touch();
    },
  };
}

// --- Logger, console, Session ------------------------------------------------------------------

function format(template, values) {
  let i = 0;
  return String(template).replace(/%[sdif]/g, () => String(values[i++]));
}

function makeLogger(lines) {
  const logger = {
    log(template, ...values) {
      lines.push(values.length ? format(template, values) : String(template));
      return logger;
    },
    getLog: () => lines.join('\n'),
    clear() {
      lines.length = 0;
    },
  };
  return logger;
}

function makeConsole(lines) {
  const text = (value) => (typeof value === 'string' ? value : JSON.stringify(value));
  const write = (...args) => lines.push(args.map(text).join(' '));
  return { log: write, info: write, warn: write, error: write };
}

function makeSession(mailbox) {
  const user = { getEmail: () => mailbox.doc.account.email };
  return {
    getEffectiveUser: () => user,
    getActiveUser: () => user,
    getScriptTimeZone: () => 'Europe/Paris',
    getActiveUserLocale: () => 'fr',
  };
}

module.exports = {
  PropertyStore,
  makeConsole,
  makeLockService,
  makeLogger,
  makePropertiesService,
  makeScriptApp,
  makeSession,
  makeUtilities,
  sleepMs,
  toBuffer,
  toByteArray,
};

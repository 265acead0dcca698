'use strict';
/**
 * A fake GmailApp over a JSON mailbox document. Only methods the real service has exist here, so a
 * script calling something Apps Script lacks fails with a TypeError instead of passing.
 *
 * Mailbox document:
 *   {
 *     "account": {"email": "me@example.com", "aliases": []},
 *     "labels": ["A_TRANSFERER_WEBHOOK"],                 user labels that exist
 *     "threads": [{"id": "t1", "labels": ["A_TRANSFERER_WEBHOOK"], "messages": [
 *       {"id": "18c...", "from": "...", "to": "...", "cc": "", "bcc": "", "replyTo": "",
 *        "subject": "...", "date": "2026-11-20T09:14:03.000Z", "body": "<div>...</div>",
 *        "plainBody": "...", "headers": {"Message-ID": "<...>"},
 *        "attachments": [{"name": "a.pdf", "size": 10, "contentType": "application/pdf",
 *                         "inline": false}],
 *        "unread": true, "draft": false, "trash": false, "starred": false, "inbox": true}
 *     ]}],
 *     "triggers": [...]                                     kept by the ScriptApp fake
 *   }
 */

const MAX_RESULTS = 500;

const lastDate = (thread) => Math.max(...thread.messages.map((m) => Date.parse(m.date)));

class Mailbox {
  constructor(doc) {
    this.calls = 0;
    this.load(doc);
  }

  /** (Re)load the document, as another execution may have changed the mailbox meanwhile. */
  load(doc) {
    this.doc = doc;
    doc.account = Object.assign({ email: 'me@example.com', aliases: [] }, doc.account || {});
    doc.labels = doc.labels || [];
    doc.threads = doc.threads || [];
    for (const thread of doc.threads) {
      thread.labels = thread.labels || [];
      for (const name of thread.labels) {
        if (!doc.labels.includes(name)) {
          doc.labels.push(name);
        }
      }
      for (const message of thread.messages) {
        message.headers = message.headers || {};
        message.attachments = message.attachments || [];
        if (message.unread === undefined) message.unread = true;
        if (message.inbox === undefined) message.inbox = true;
      }
    }
    this.dirty = false;
  }

  touch() {
    this.dirty = true;
  }

  count() {
    this.calls += 1;
  }

  thread(id) {
    return this.doc.threads.find((t) => t.id === id) || null;
  }

  /** Threads newest first, as Gmail lists them (by their last message). */
  sortedThreads() {
    return [...this.doc.threads].sort((a, b) => lastDate(b) - lastDate(a));
  }
}

function checkRange(start, max) {
  if (!Number.isInteger(start) || start < 0 || !Number.isInteger(max) || max < 0) {
    throw new Error('Invalid argument: start/max');
  }
  if (max > MAX_RESULTS) {
    throw new Error(`Invalid argument: max (at most ${MAX_RESULTS})`);
  }
}

function labelNameOf(mailbox, label) {
  if (!label || typeof label.getName !== 'function') {
    throw new Error('Invalid argument: label');
  }
  const name = label.getName();
  if (!mailbox.doc.labels.includes(name)) {
    throw new Error(`Label ${name} does not exist`);
  }
  return name;
}

function makeLabel(mailbox, name) {
  const label = {
    getName: () => name,
    getId: () => `Label_${name}`,
    getThreads(start = 0, max = MAX_RESULTS) {
      mailbox.count();
      checkRange(start, max);
      return mailbox
        .sortedThreads()
        .filter((t) => t.labels.includes(name))
        .slice(start, start + max)
        .map((t) => makeThread(mailbox, t.id));
    },
    getUnreadCount() {
      const unread = (t) => t.labels.includes(name) && t.messages.some((m) => m.unread);
      return mailbox.doc.threads.filter(unread).length;
    },
    addToThread(thread) {
      thread.addLabel(label);
      return label;
    },
    addToThreads(threads) {
      threads.forEach((t) => t.addLabel(label));
      return label;
    },
    removeFromThread(thread) {
      thread.removeLabel(label);
      return label;
    },
    removeFromThreads(threads) {
      threads.forEach((t) => t.removeLabel(label));
      return label;
    },
    deleteLabel() {
      mailbox.doc.labels = mailbox.doc.labels.filter((l) => l !== name);
      mailbox.doc.threads.forEach((t) => {
        t.labels = t.labels.filter((l) => l !== name);
      });
      mailbox.touch();
    },
  };
  return label;
}

function makeThread(mailbox, id) {
  const state = () => {
    const t = mailbox.thread(id);
    if (!t) throw new Error(`Thread ${id} no longer exists`);
    return t;
  };
  const thread = {
    getId: () => id,
    getMessages() {
      mailbox.count();
      return state().messages.map((m) => makeMessage(mailbox, id, m.id));
    },
    getMessageCount: () => state().messages.length,
    getLabels: () => state().labels.map((name) => makeLabel(mailbox, name)),
    addLabel(label) {
      mailbox.count();
      const name = labelNameOf(mailbox, label);
      const t = state();
      if (!t.labels.includes(name)) {
        t.labels.push(name);
        mailbox.touch();
      }
      return thread;
    },
    removeLabel(label) {
      mailbox.count();
      const name = labelNameOf(mailbox, label);
      const t = state();
      if (t.labels.includes(name)) {
        t.labels = t.labels.filter((l) => l !== name);
        mailbox.touch();
      }
      return thread;
    },
    getFirstMessageSubject: () => state().messages[0].subject || '',
    getLastMessageDate: () => new Date(lastDate(state())),
    isUnread: () => state().messages.some((m) => m.unread),
    isInInbox: () => state().messages.some((m) => m.inbox),
    isInTrash: () => state().messages.every((m) => m.trash),
    hasStarredMessages: () => state().messages.some((m) => m.starred),
    markRead() {
      state().messages.forEach((m) => {
        m.unread = false;
      });
      mailbox.touch();
      return thread;
    },
    markUnread() {
      state().messages.forEach((m) => {
        m.unread = true;
      });
      mailbox.touch();
      return thread;
    },
    refresh: () => thread,
    getPermalink: () => `https://mail.google.com/mail/#all/${id}`,
  };
  return thread;
}

function makeAttachment(data) {
  return {
    getName: () => data.name || '',
    getSize: () => data.size || 0,
    getContentType: () => data.contentType || 'application/octet-stream',
    getHash: () => data.hash || '',
    isGoogleType: () => false,
  };
}

function makeMessage(mailbox, threadId, id) {
  const state = () => {
    const m = mailbox.thread(threadId).messages.find((x) => x.id === id);
    if (!m) throw new Error(`Message ${id} no longer exists`);
    return m;
  };
  const flag = (name, value) => {
    state()[name] = value;
    mailbox.touch();
    return message;
  };
  const message = {
    getId: () => id,
    getThread: () => makeThread(mailbox, threadId),
    getSubject: () => state().subject || '',
    getFrom: () => state().from || '',
    getTo: () => state().to || '',
    getCc: () => state().cc || '',
    getBcc: () => state().bcc || '',
    getReplyTo: () => state().replyTo || state().from || '',
    getDate: () => new Date(state().date),
    getBody: () => state().body || '',
    getPlainBody: () => (state().plainBody !== undefined ? state().plainBody : ''),
    getHeader(name) {
      const headers = state().headers;
      const key = Object.keys(headers).find((k) => k.toLowerCase() === String(name).toLowerCase());
      return key === undefined ? '' : String(headers[key]);
    },
    getAttachments(options = {}) {
      mailbox.count();
      const inline = options.includeInlineImages !== false;
      const regular = options.includeAttachments !== false;
      return state()
        .attachments.filter((a) => (a.inline ? inline : regular))
        .map(makeAttachment);
    },
    isUnread: () => Boolean(state().unread),
    isDraft: () => Boolean(state().draft),
    isInTrash: () => Boolean(state().trash),
    isInInbox: () => Boolean(state().inbox),
    isStarred: () => Boolean(state().starred),
    isInChats: () => false,
    markRead: () => flag('unread', false),
    markUnread: () => flag('unread', true),
    star: () => flag('starred', true),
    unstar: () => flag('starred', false),
    refresh: () => message,
  };
  return message;
}

// --- search ------------------------------------------------------------------------------------

function tokenize(query) {
  const tokens = [];
  const re = /\s*(-?)([a-z_]+:)?("([^"]*)"|[^\s()"]+|\(|\))/gy;
  let match;
  let parsed = 0;
  while ((match = re.exec(query)) !== null) {
    parsed = re.lastIndex;
    if (match[3] === '(' || match[3] === ')') {
      continue; // grouping: every term is ANDed, which is all the scripts here use
    }
    const value = match[4] !== undefined ? match[4] : match[3];
    if (!match[2] && /^(OR|AND|\{|\})$/.test(value)) {
      throw new Error(`fake GmailApp.search: "${value}" is not supported`);
    }
    tokens.push({ negate: match[1] === '-', op: match[2] ? match[2].slice(0, -1) : '', value });
  }
  if (query.slice(parsed).trim()) {
    throw new Error(`fake GmailApp.search: cannot parse "${query}"`);
  }
  return tokens;
}

function searchDate(value) {
  if (/^\d+$/.test(value)) return Number(value) * 1000; // seconds since the epoch
  const m = /^(\d{4})[/-](\d{1,2})[/-](\d{1,2})$/.exec(value);
  if (!m) throw new Error(`fake GmailApp.search: bad date ${value}`);
  return Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
}

/** Gmail matches `label:my-label` for "My Label" and "My/Label". */
const labelKey = (name) => name.toLowerCase().replace(/[\s/]/g, '-');
const sameLabel = (a, b) => labelKey(a) === labelKey(b);
const contains = (text, value) => String(text || '').toLowerCase().includes(value.toLowerCase());

function termMatches(term, thread, message, now) {
  const { op, value } = term;
  switch (op) {
    case 'label':
      return thread.labels.some((name) => sameLabel(name, value));
    case 'from':
      return contains(message.from, value);
    case 'to':
      return contains(message.to, value) || contains(message.cc, value);
    case 'subject':
      return contains(message.subject, value);
    case 'is':
      if (value === 'unread') return Boolean(message.unread);
      if (value === 'read') return !message.unread;
      if (value === 'starred') return Boolean(message.starred);
      break;
    case 'in':
      if (value === 'inbox') return Boolean(message.inbox);
      if (value === 'trash') return Boolean(message.trash);
      if (value === 'anywhere') return true;
      break;
    case 'after':
      return Date.parse(message.date) >= searchDate(value);
    case 'before':
      return Date.parse(message.date) < searchDate(value);
    case 'newer_than': {
      const m = /^(\d+)([dmy])$/.exec(value);
      if (!m) break;
      const days = { d: 1, m: 30, y: 365 }[m[2]] * Number(m[1]);
      return Date.parse(message.date) >= now - days * 86400000;
    }
    case '':
      return [message.subject, message.from, message.plainBody, message.body].some((text) =>
        contains(text, value),
      );
    default:
      break;
  }
  throw new Error(`fake GmailApp.search: ${op}:${value} is not supported`);
}

function searchThreads(mailbox, query, now) {
  const terms = tokenize(query);
  const wantsTrash = terms.some((t) => t.op === 'in' && ['trash', 'anywhere'].includes(t.value));
  return mailbox.sortedThreads().filter((thread) =>
    thread.messages.some(
      (message) =>
        (wantsTrash || !message.trash) &&
        !message.draft &&
        terms.every((term) => termMatches(term, thread, message, now) !== term.negate),
    ),
  );
}

// --- GmailApp ----------------------------------------------------------------------------------

function makeGmailApp(mailbox, now) {
  return {
    createLabel(name) {
      mailbox.count();
      if (!mailbox.doc.labels.includes(name)) {
        mailbox.doc.labels.push(name);
        mailbox.touch();
      }
      return makeLabel(mailbox, name);
    },
    getUserLabelByName(name) {
      mailbox.count();
      return mailbox.doc.labels.includes(name) ? makeLabel(mailbox, name) : null;
    },
    getUserLabels: () => mailbox.doc.labels.map((name) => makeLabel(mailbox, name)),
    deleteLabel(label) {
      label.deleteLabel();
      return this;
    },
    search(query, start = 0, max = MAX_RESULTS) {
      mailbox.count();
      checkRange(start, max);
      return searchThreads(mailbox, String(query), now())
        .slice(start, start + max)
        .map((t) => makeThread(mailbox, t.id));
    },
    getInboxThreads(start = 0, max = MAX_RESULTS) {
      return this.search('in:inbox', start, max);
    },
    getThreadById(id) {
      mailbox.count();
      return mailbox.thread(id) ? makeThread(mailbox, id) : null;
    },
    getMessageById(id) {
      mailbox.count();
      const thread = mailbox.doc.threads.find((t) => t.messages.some((m) => m.id === id));
      if (!thread) {
        throw new Error(`Invalid argument: id (no message ${id})`);
      }
      return makeMessage(mailbox, thread.id, id);
    },
    getMessagesForThread: (thread) => thread.getMessages(),
    getMessagesForThreads: (threads) => threads.map((t) => t.getMessages()),
    getAliases: () => [...mailbox.doc.account.aliases],
  };
}

module.exports = { Mailbox, makeGmailApp };

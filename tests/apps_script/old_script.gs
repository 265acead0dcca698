/**
 * A replica of the ORIGINAL Apps Script that users already have in their mailbox (docs/old-router.md),
 * run by the tests against a live Relais to prove that switching it over (one URL) neither loses
 * mail nor loops. It is deliberately the old behaviour, defects included: do not improve it.
 *
 * - handles the threads carrying the label A_TRANSFERER_WEBHOOK, at most 20 a run;
 * - posts every UNREAD message of each thread with exactly the five fields, the header
 *   X-Source: GoogleAppsScript and Authorization: Bearer <PROCESS_API_TOKEN>;
 * - removes the label from a thread only if every post got HTTP 200.
 *
 * Script properties: SERVER_URL (base address), PROCESS_API_TOKEN, and TOKEN_STYLE=bare for the
 * deployments that sent the bare token in Authorization (the old router accepted both).
 */

var LABEL_NAME = 'A_TRANSFERER_WEBHOOK';
var MAX_THREADS = 20;

function processEmails() {
  var props = PropertiesService.getScriptProperties();
  var url = props.getProperty('SERVER_URL') + '/api/ingress/gmail';
  var token = props.getProperty('PROCESS_API_TOKEN');
  var authorization = props.getProperty('TOKEN_STYLE') === 'bare' ? token : 'Bearer ' + token;

  var label = GmailApp.getUserLabelByName(LABEL_NAME);
  if (!label) {
    Logger.log('Label not found: ' + LABEL_NAME);
    return;
  }
  var threads = label.getThreads(0, MAX_THREADS);
  for (var i = 0; i < threads.length; i++) {
    var thread = threads[i];
    var messages = thread.getMessages();
    var allSent = true;
    for (var j = 0; j < messages.length; j++) {
      var message = messages[j];
      if (!message.isUnread()) {
        continue;
      }
      var payload = {
        subject: message.getSubject(),
        sender: message.getFrom(),
        date: message.getDate().toISOString(),
        body: message.getBody(),
        snippet: message.getPlainBody().substring(0, 200),
      };
      try {
        var response = UrlFetchApp.fetch(url, {
          method: 'post',
          contentType: 'application/json',
          headers: { Authorization: authorization, 'X-Source': 'GoogleAppsScript' },
          payload: JSON.stringify(payload),
          muteHttpExceptions: true,
        });
        Logger.log('Sent "' + payload.subject + '": HTTP ' + response.getResponseCode());
        if (response.getResponseCode() !== 200) {
          allSent = false;
        }
      } catch (e) {
        Logger.log('Error sending "' + payload.subject + '": ' + e);
        allSent = false;
      }
    }
    if (allSent) {
      thread.removeLabel(label);
    }
  }
}

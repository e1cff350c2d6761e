/** Text lines: syslog (RFC 3164 / 5424, sshd, sudo), auditd, and plain text. */
import type { CanonicalEvent } from '@watchfloor/contracts'
import { describe, expect, it } from 'vitest'
import { decodeTextLine } from './index.js'
import type { DecodeContext, DecodeResult } from './index.js'

const ctx: DecodeContext = { id: 'id-1', ingested: '2030-01-01T00:00:00.000Z', source: 'file' }
const year = new Date().getUTCFullYear()

function ok(r: DecodeResult): CanonicalEvent {
  if (!r.ok) throw new Error(`decode failed: ${r.code} ${r.reason}`)
  return r.event
}

describe('syslog decoder', () => {
  it('parses RFC 3164 with PRI, host, tag and pid', () => {
    const e = ok(decodeTextLine('<34>Oct 11 22:14:15 mymachine su[123]: \'su root\' failed for lonvick on /dev/pts/8', ctx))
    expect(e.watchfloor).toMatchObject({ decoder: 'syslog', decode_status: 'ok' })
    expect(e.host?.name).toBe('mymachine')
    expect(e.process).toEqual({ name: 'su', pid: 123 })
    expect(e.message).toBe("'su root' failed for lonvick on /dev/pts/8")
    expect(e.event.severity).toBe(99) // PRI 34 = auth.crit
    expect([`${year}-10-11T22:14:15.000Z`, `${year - 1}-10-11T22:14:15.000Z`]).toContain(e['@timestamp'])
  })

  it('parses RFC 3164 without PRI, without pid, and without a tag', () => {
    const a = ok(decodeTextLine('Jan  5 01:02:03 host-a cron: job done', ctx))
    expect(a.host?.name).toBe('host-a')
    expect(a.process).toEqual({ name: 'cron' })
    expect(a.message).toBe('job done')
    const b = ok(decodeTextLine('<13>Feb 10 10:00:00 host-b just a message', ctx))
    expect(b.host?.name).toBe('host-b')
    expect(b.process).toBeUndefined()
    expect(b.message).toBe('just a message')
    const c = ok(decodeTextLine('<13>Feb 10 10:00:00 postfix/smtpd[99]: connect from unknown', ctx))
    expect(c.host).toBeUndefined()
    expect(c.process).toEqual({ name: 'postfix/smtpd', pid: 99 })
  })

  it('parses RFC 5424 with structured data, with and without PRI', () => {
    const e = ok(decodeTextLine('<165>1 2003-10-11T22:14:15.003Z mymachine.example.com evntslog - ID47 [exampleSDID@32473 iut="3" eventSource="Application" eventID="1011"][x@1 a="]\\"x"] \uFEFFAn application event log entry', ctx))
    expect(e['@timestamp']).toBe('2003-10-11T22:14:15.003Z')
    expect(e.host?.name).toBe('mymachine.example.com')
    expect(e.process).toEqual({ name: 'evntslog' })
    expect(e.event.code).toBe('ID47')
    expect(e.event.severity).toBe(21) // 165 & 7 = notice
    expect(e.message).toBe('An application event log entry')
    const noPri = ok(decodeTextLine('1 2003-08-24T05:14:15.000003-07:00 192.0.2.1 myproc 8710 - - %% It\'s time to make the do-nuts.', ctx))
    expect(noPri['@timestamp']).toBe('2003-08-24T12:14:15.000Z')
    expect(noPri.host?.name).toBe('192.0.2.1')
    expect(noPri.process).toEqual({ name: 'myproc', pid: 8710 })
    expect(noPri.message).toBe("%% It's time to make the do-nuts.")
    const nil = ok(decodeTextLine('<14>1 - - - - - -', ctx))
    expect(nil.watchfloor.decoder).toBe('syslog')
    expect(nil['@timestamp']).toBe(ctx.ingested)
    expect(nil.message).toBeUndefined()
  })

  it('maps sshd failed / accepted / invalid-user logins', () => {
    const failed = ok(decodeTextLine('Oct 11 22:14:15 bastion sshd[4242]: Failed password for invalid user admin from 203.0.113.50 port 40000 ssh2', ctx))
    expect(failed.user?.name).toBe('admin')
    expect(failed.source).toEqual({ ip: '203.0.113.50', port: 40000 })
    expect(failed.event).toMatchObject({ outcome: 'failure', category: ['authentication'], action: 'ssh_login' })
    const failedRoot = ok(decodeTextLine('<38>Oct 11 22:14:16 bastion sshd[4243]: Failed publickey for root from 2001:db8::5 port 40001 ssh2', ctx))
    expect(failedRoot.user?.name).toBe('root')
    expect(failedRoot.source?.ip).toBe('2001:db8::5')
    const accepted = ok(decodeTextLine('<38>1 2024-01-02T03:04:05Z bastion sshd 4244 - - Accepted publickey for alice from 198.51.100.7 port 50022 ssh2: ED25519 SHA256:abc', ctx))
    expect(accepted.user?.name).toBe('alice')
    expect(accepted.source).toEqual({ ip: '198.51.100.7', port: 50022 })
    expect(accepted.event.outcome).toBe('success')
    const invalid = ok(decodeTextLine('Oct 11 22:14:17 bastion sshd[4245]: Invalid user oracle from 203.0.113.51 port 40002', ctx))
    expect(invalid.user?.name).toBe('oracle')
    expect(invalid.event.outcome).toBe('failure')
  })

  it('maps sudo commands', () => {
    const e = ok(decodeTextLine('Oct 11 22:14:15 web-1 sudo:    alice : TTY=pts/0 ; PWD=/home/alice ; USER=root ; COMMAND=/usr/bin/cat /etc/shadow', ctx))
    expect(e.user).toEqual({ name: 'alice', target: { name: 'root' } })
    expect(e.process?.command_line).toBe('/usr/bin/cat /etc/shadow')
  })

  it('treats ISO-timestamped application logs without a tag as plain text', () => {
    const e = ok(decodeTextLine('2024-01-01T10:00:00Z INFO [main] started', ctx))
    expect(e.watchfloor).toMatchObject({ decoder: 'text', decode_status: 'unknown' })
    const rsyslog = ok(decodeTextLine('2024-01-01T10:00:00.123+00:00 host-c kernel: eth0 up', ctx))
    expect(rsyslog.watchfloor.decoder).toBe('syslog')
    expect(rsyslog.host?.name).toBe('host-c')
    expect(rsyslog['@timestamp']).toBe('2024-01-01T10:00:00.123Z')
  })

  it('handles a very long line without a tag quickly (no catastrophic backtracking)', () => {
    const line = `Oct 11 22:14:15 ${'x'.repeat(200_000)}`
    const t0 = performance.now()
    const e = ok(decodeTextLine(line, ctx))
    expect(performance.now() - t0).toBeLessThan(200)
    expect(e.watchfloor.decoder).toBe('syslog')
  })
})

describe('auditd decoder', () => {
  it('decodes hex-encoded EXECVE arguments and quotes those with spaces', () => {
    const e = ok(decodeTextLine('type=EXECVE msg=audit(1700000000.001:5): argc=3 a0="bash" a1="-c" a2=6563686F2068656C6C6F20776F726C64', ctx))
    expect(e.process?.command_line).toBe('bash -c "echo hello world"')
    expect(e['@timestamp']).toBe('2023-11-14T22:13:20.001Z')
  })

  it('reads node=, nested msg=\'...\' fields and enriched names', () => {
    const line = "node=web-1 type=USER_AUTH msg=audit(1700000000.002:6): pid=900 uid=0 auid=4294967295 ses=4294967295 msg='op=PAM:authentication grantors=? acct=\"bob\" exe=\"/usr/sbin/sshd\" hostname=203.0.113.9 addr=203.0.113.9 terminal=ssh res=failed'\u001dUID=\"root\" AUID=\"unset\""
    const e = ok(decodeTextLine(line, ctx))
    expect(e.host?.name).toBe('web-1')
    expect(e.event).toMatchObject({ action: 'USER_AUTH', outcome: 'failure', category: ['authentication'] })
    expect(e.process).toMatchObject({ pid: 900, executable: '/usr/sbin/sshd' })
    expect(e.source?.ip).toBe('203.0.113.9')
    expect(e.user).toEqual({ id: '0', name: 'root' })
  })

  it('falls back to text for a malformed audit header', () => {
    const e = ok(decodeTextLine('type=SYSCALL msg=audit(garbage): x=1', ctx))
    expect(e.watchfloor).toMatchObject({ decoder: 'text', decode_status: 'unknown' })
  })
})

describe('text decoder', () => {
  it('keeps any other line as the message with status unknown', () => {
    const e = ok(decodeTextLine('something happened\r', ctx))
    expect(e.watchfloor).toEqual({ decoder: 'text', decode_status: 'unknown', source: 'file' })
    expect(e.message).toBe('something happened')
    expect(e['@timestamp']).toBe(ctx.ingested)
  })

  it('keeps unicode and NUL characters intact', () => {
    const line = 'ünïcödé 🚀 \u0000 nul \u202e rtl'
    expect(ok(decodeTextLine(line, ctx)).message).toBe(line)
  })
})

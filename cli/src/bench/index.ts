/** `watchfloor bench <what>`: benchmarks that print figures (never asserted in unit tests). */
import { benchIngest } from './ingest.js'
import { benchDetect } from './detect.js'
import { benchProfiles } from './profiles.js'
import { benchKafka } from './kafka.js'
import { benchSimilar } from './similar.js'
import { benchSoak } from './soak.js'

export async function runBench(args: string[]): Promise<number> {
  const [what, ...rest] = args
  switch (what) {
    case 'ingest':
      return benchIngest(rest)
    case 'detect':
      return benchDetect(rest)
    case 'profiles':
      return benchProfiles(rest)
    case 'kafka':
      return benchKafka(rest)
    case 'similar':
      return benchSimilar(rest)
    case 'soak':
      return benchSoak(rest)
    default:
      process.stderr.write('usage: watchfloor bench ingest [--events N] [--batch N] [--concurrency N] [--corpus compact|mixed] [--rounds N] [--pipeline-only] [--latency RATE]\n       watchfloor bench detect [--events N]\n       watchfloor bench profiles [--ips N]\n       watchfloor bench kafka [--events N] [--rounds N]\n       watchfloor bench similar [--incidents N] [--queries N]\n       watchfloor bench soak [--minutes N] [--rate N] [--overload-seconds N]\n')
      return 2
  }
}

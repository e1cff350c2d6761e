/**
 * A real filesystem that runs out of space, for the disk-full faults: a tmpfs of a given size
 * mounted at a directory (needs root, as `.ci/run` has), and a filler file that takes every free
 * byte of it (or all but a few) until it is removed.
 */
import { execFileSync } from 'node:child_process'
import { closeSync, mkdirSync, mkdtempSync, openSync, rmSync, rmdirSync, statfsSync, truncateSync, writeSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { need, type Need } from './need.js'

function mountable(): string {
  const probe = mkdtempSync(path.join(tmpdir(), 'watchfloor-tmpfs-probe-'))
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', probe], { stdio: 'pipe' })
    execFileSync('umount', [probe], { stdio: 'pipe' })
    return ''
  } catch (err) {
    return `mounting a tmpfs (to fill a disk) needs root: ${String((err as { stderr?: Buffer }).stderr ?? (err as Error).message).trim().split('\n')[0]}`
  } finally {
    rmdirSync(probe)
  }
}

/** Mounting a tmpfs works here. */
export const tmpfs: Need = need(mountable(), () => 'the disk-full tests mount a tmpfs: run .ci/run as root')

/** Mounts a tmpfs of `bytes` at `dir` (created); returns the unmount. */
export function mountTmpfs(dir: string, bytes: number): () => void {
  mkdirSync(dir, { recursive: true })
  execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${bytes}`, 'tmpfs', dir], { stdio: 'pipe' })
  return () => {
    try {
      execFileSync('umount', ['-l', dir], { stdio: 'pipe' })
    } catch {
      // already unmounted
    }
  }
}

/** Fills the filesystem of `dir` until a write fails with ENOSPC, then frees `leave` bytes of it. `free()` removes the filler. */
export function fillDisk(dir: string, leave = 0): { free: () => void; freeBytes: () => number } {
  const file = path.join(dir, 'filler.bin')
  const fd = openSync(file, 'w')
  const chunk = Buffer.alloc(1 << 20, 0x61)
  let size = 0
  try {
    for (;;) size += writeSync(fd, chunk, 0, chunk.length)
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOSPC') throw err
  } finally {
    closeSync(fd)
  }
  // the last chunk may have been written in part: fill the rest page by page
  const small = openSync(file, 'a')
  try {
    for (;;) size += writeSync(small, chunk, 0, 4096)
  } catch {
    // full
  } finally {
    closeSync(small)
  }
  if (leave > 0) truncateSync(file, Math.max(0, size - leave))
  return {
    free: () => rmSync(file, { force: true }),
    freeBytes: () => {
      const s = statfsSync(dir)
      return s.bavail * s.bsize
    },
  }
}

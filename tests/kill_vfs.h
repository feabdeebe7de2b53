// A wrapping SQLite VFS for tests that stop a process at a chosen point of
// its file system effects, deterministically (no sleeps): it forwards every
// call to the default VFS and counts each xWrite, xTruncate, xSync, xDelete
// and xShmLock (everything by which a transaction changes the files, the
// WAL-index locks included) once armed. Before effect number N it either
// SIGKILLs the process (g_kill_at) or pauses it (g_pause_at: writes 'P' to
// a pipe and waits for a byte on another).
//
// A full disk instead (g_full_after): once armed, an xWrite that would
// take the bytes written past g_full_after fails with SQLITE_FULL, writing
// nothing, as SQLite's unix VFS reports ENOSPC. Lift it (-1) and writes
// succeed again, as when space is freed.
//
// Install() only in a forked child: it makes the shim SQLite's default VFS
// for the whole process, so every connection saiki opens goes through it.
// Used by crash_test.cc, concurrency_test.cc and limits_test.cc.
#ifndef SAIKI_TESTS_KILL_VFS_H_
#define SAIKI_TESTS_KILL_VFS_H_

#include <signal.h>
#include <sqlite3.h>
#include <unistd.h>

namespace saiki::testing {

namespace killvfs {

inline sqlite3_vfs* g_real = nullptr;
inline sqlite3_vfs g_vfs;
inline sqlite3_io_methods g_methods;
inline bool g_armed = false;
inline long g_effects = 0;   // counted since armed
inline long g_kill_at = -1;  // SIGKILL before this effect (1-based); -1: never

// Pausing instead of killing: before effect g_pause_at, write 'P' to
// g_pause_out and wait for one byte on g_pause_in (then go on).
inline long g_pause_at = -1;
inline int g_pause_out = -1, g_pause_in = -1;

// The disk is full past this many bytes written since armed; -1: never.
inline long long g_full_after = -1;
inline long long g_bytes_written = 0;  // by xWrite since armed (failed ones excluded)

inline void Effect() {
  if (!g_armed) return;
  ++g_effects;
  if (g_kill_at > 0 && g_effects >= g_kill_at) {
    ::kill(::getpid(), SIGKILL);
    for (;;) ::pause();
  }
  if (g_effects == g_pause_at) {
    char c = 'P';
    if (::write(g_pause_out, &c, 1) != 1 || ::read(g_pause_in, &c, 1) != 1) ::_exit(5);
  }
}

struct File {
  sqlite3_file base;
  sqlite3_file* real;
};
inline sqlite3_file* Real(sqlite3_file* f) { return reinterpret_cast<File*>(f)->real; }

inline int Close(sqlite3_file* f) {
  int rc = Real(f)->pMethods->xClose(Real(f));
  f->pMethods = nullptr;
  return rc;
}
inline int Read(sqlite3_file* f, void* buf, int n, sqlite3_int64 off) {
  return Real(f)->pMethods->xRead(Real(f), buf, n, off);
}
inline int Write(sqlite3_file* f, const void* buf, int n, sqlite3_int64 off) {
  Effect();
  if (g_armed) {
    if (g_full_after >= 0 && g_bytes_written + n > g_full_after) return SQLITE_FULL;
    g_bytes_written += n;
  }
  return Real(f)->pMethods->xWrite(Real(f), buf, n, off);
}
inline int Truncate(sqlite3_file* f, sqlite3_int64 size) {
  Effect();
  return Real(f)->pMethods->xTruncate(Real(f), size);
}
inline int Sync(sqlite3_file* f, int flags) {
  Effect();
  return Real(f)->pMethods->xSync(Real(f), flags);
}
inline int FileSize(sqlite3_file* f, sqlite3_int64* size) {
  return Real(f)->pMethods->xFileSize(Real(f), size);
}
inline int Lock(sqlite3_file* f, int level) { return Real(f)->pMethods->xLock(Real(f), level); }
inline int Unlock(sqlite3_file* f, int level) { return Real(f)->pMethods->xUnlock(Real(f), level); }
inline int CheckReservedLock(sqlite3_file* f, int* out) {
  return Real(f)->pMethods->xCheckReservedLock(Real(f), out);
}
inline int FileControl(sqlite3_file* f, int op, void* arg) {
  return Real(f)->pMethods->xFileControl(Real(f), op, arg);
}
inline int SectorSize(sqlite3_file* f) { return Real(f)->pMethods->xSectorSize(Real(f)); }
inline int DeviceCharacteristics(sqlite3_file* f) {
  return Real(f)->pMethods->xDeviceCharacteristics(Real(f));
}
inline int ShmMap(sqlite3_file* f, int region, int size, int extend, void volatile** pp) {
  return Real(f)->pMethods->xShmMap(Real(f), region, size, extend, pp);
}
inline int ShmLock(sqlite3_file* f, int offset, int n, int flags) {
  Effect();
  return Real(f)->pMethods->xShmLock(Real(f), offset, n, flags);
}
inline void ShmBarrier(sqlite3_file* f) { Real(f)->pMethods->xShmBarrier(Real(f)); }
inline int ShmUnmap(sqlite3_file* f, int del) { return Real(f)->pMethods->xShmUnmap(Real(f), del); }
inline int Fetch(sqlite3_file* f, sqlite3_int64 off, int n, void** pp) {
  if (Real(f)->pMethods->iVersion < 3) {
    *pp = nullptr;
    return SQLITE_OK;
  }
  return Real(f)->pMethods->xFetch(Real(f), off, n, pp);
}
inline int Unfetch(sqlite3_file* f, sqlite3_int64 off, void* p) {
  if (Real(f)->pMethods->iVersion < 3) return SQLITE_OK;
  return Real(f)->pMethods->xUnfetch(Real(f), off, p);
}

inline int Open(sqlite3_vfs*, const char* name, sqlite3_file* f, int flags, int* out_flags) {
  File* p = reinterpret_cast<File*>(f);
  p->real = reinterpret_cast<sqlite3_file*>(p + 1);
  p->real->pMethods = nullptr;
  int rc = g_real->xOpen(g_real, name, p->real, flags, out_flags);
  if (rc != SQLITE_OK) {
    if (p->real->pMethods) p->real->pMethods->xClose(p->real);
    p->base.pMethods = nullptr;
    return rc;
  }
  p->base.pMethods = &g_methods;
  return rc;
}
inline int Delete(sqlite3_vfs*, const char* name, int sync_dir) {
  Effect();
  return g_real->xDelete(g_real, name, sync_dir);
}

// In the child only: every connection opened from now on goes through it.
inline void Install(long kill_at) {
  g_real = sqlite3_vfs_find(nullptr);
  g_vfs = *g_real;
  g_vfs.pNext = nullptr;
  g_vfs.zName = "saiki_killvfs";
  g_vfs.szOsFile = static_cast<int>(sizeof(File)) + g_real->szOsFile;
  g_vfs.xOpen = Open;
  g_vfs.xDelete = Delete;
  g_methods = sqlite3_io_methods{};
  g_methods.iVersion = 3;
  g_methods.xClose = Close;
  g_methods.xRead = Read;
  g_methods.xWrite = Write;
  g_methods.xTruncate = Truncate;
  g_methods.xSync = Sync;
  g_methods.xFileSize = FileSize;
  g_methods.xLock = Lock;
  g_methods.xUnlock = Unlock;
  g_methods.xCheckReservedLock = CheckReservedLock;
  g_methods.xFileControl = FileControl;
  g_methods.xSectorSize = SectorSize;
  g_methods.xDeviceCharacteristics = DeviceCharacteristics;
  g_methods.xShmMap = ShmMap;
  g_methods.xShmLock = ShmLock;
  g_methods.xShmBarrier = ShmBarrier;
  g_methods.xShmUnmap = ShmUnmap;
  g_methods.xFetch = Fetch;
  g_methods.xUnfetch = Unfetch;
  sqlite3_vfs_register(&g_vfs, /*makeDflt=*/1);
  g_kill_at = kill_at;
  g_pause_at = -1;
  g_effects = 0;
  g_full_after = -1;
  g_bytes_written = 0;
  g_armed = false;
}

}  // namespace killvfs

}  // namespace saiki::testing

#endif  // SAIKI_TESTS_KILL_VFS_H_

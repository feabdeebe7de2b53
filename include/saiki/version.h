// The library's version: the one place it is written. CMakeLists.txt reads
// it from here (project(VERSION)), and with it the shared library's SONAME,
// saikiConfigVersion.cmake and saiki.pc.
//
// SAIKI_VERSION is the version of the headers an app was compiled against;
// saiki::Version() (saiki.h) and saiki_version() (saiki_c.h) are the
// version of the library it runs with. They differ only when an app built
// against one release loads another's shared library.
//
// Compatibility: while the major version is 0, a minor release may change
// the ABI, so the SONAME carries both numbers (libsaiki.so.0.2); from 1.0
// on, only the major.
#ifndef SAIKI_VERSION_H_
#define SAIKI_VERSION_H_

#define SAIKI_VERSION_MAJOR 0
#define SAIKI_VERSION_MINOR 2
#define SAIKI_VERSION_PATCH 0
#define SAIKI_VERSION "0.2.0"
// MAJOR * 10000 + MINOR * 100 + PATCH, for #if comparisons.
#define SAIKI_VERSION_NUMBER 100

#endif  // SAIKI_VERSION_H_

// SAIKI_EXPORT marks the declarations of the public API. The library is
// compiled with hidden visibility (-fvisibility=hidden), so only what is
// marked here is visible outside libsaiki.so; the internal layers (engine/,
// index/, ranker/, storage/) and the C++ libraries it uses inside stay
// private to it. A linker version script (bindings/saiki.map) makes the
// same cut for template instantiations the compiler would otherwise export.
// For a static library the mark changes nothing.
#ifndef SAIKI_EXPORT_H_
#define SAIKI_EXPORT_H_

// C++ gets the standard attribute syntax (it may follow other attributes,
// as in `class [[nodiscard]] SAIKI_EXPORT Status`), C the GNU one.
#if defined(__cplusplus) && (defined(__GNUC__) || defined(__clang__))
#define SAIKI_EXPORT [[gnu::visibility("default")]]
#elif defined(__GNUC__) || defined(__clang__)
#define SAIKI_EXPORT __attribute__((visibility("default")))
#else
#define SAIKI_EXPORT
#endif

#endif  // SAIKI_EXPORT_H_

// Defines std::ios_base_library_init(), which libstdc++ gained in GLIBCXX_3.4.32 (GCC 13).
// TorchSharp's libLibTorchSharp.so references it; Debian 12 ships GCC 12 (GLIBCXX_3.4.30).
// The function only has to make sure the standard streams are initialised, which a static
// std::ios_base::Init does. See docs/decisions/0001-torchsharp-native-fix.md.
#include <ios>

namespace std {
void ios_base_library_init() {
  static ios_base::Init init;
}
}

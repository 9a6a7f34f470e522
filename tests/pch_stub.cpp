// Owner of the tests' shared precompiled header (tests/CMakeLists.txt); it compiles nothing of its own.

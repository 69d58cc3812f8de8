#include "cli/cli.h"

int main(int argc, char** argv) { return aesync::cli::run(argc, argv); }

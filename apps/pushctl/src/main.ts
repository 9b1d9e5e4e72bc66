// The pushctl executable (bin/pushctl.js): runs the command line, exits with its code.
import { runPushctl } from './pushctl';

runPushctl(process.argv.slice(2)).then((code) => process.exit(code));

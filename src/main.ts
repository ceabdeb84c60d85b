import { main } from './cli.js';

main(process.argv);

import { stringify } from "csv-stringify/sync";
for (const v of ["\n+\\", "a\nb", "\r", "x\r\ny", "\n", "\r\n"]) console.log(JSON.stringify(v), JSON.stringify(stringify([[v, "z"]], { record_delimiter: "\r\n" })));

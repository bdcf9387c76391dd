// Reads {"client": news2.client_table(), "cases": [typed form values]} on stdin and prints the
// browser's NEWS2 result for each case (test_news2_js.py compares it with the server's).
const news2 = require(process.argv[2]);
let input = "";
process.stdin.on("data", (chunk) => { input += chunk; });
process.stdin.on("end", () => {
  const { client, cases } = JSON.parse(input);
  const out = cases.map((typed) => news2.scoreTyped(client.table, client.limits, typed));
  process.stdout.write(JSON.stringify(out));
});

import setup from "../test/global-setup.ts";
const t = await setup();
console.log("ok", process.env.TEST_PGLITE_TEMPLATE);
await t?.();

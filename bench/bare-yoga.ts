/**
 * The dashboard case's baseline: a bare graphql-yoga server on node:http that
 * answers `{ ok }` with a constant: no database, no auth, no schema of ours.
 * It measures what HTTP + GraphQL parsing/validation/execution cost alone on
 * this machine. Started by bench/run.ts as its own process (PORT, HOST).
 */
import { createServer } from "node:http";
import { createSchema, createYoga } from "graphql-yoga";

const yoga = createYoga({
  schema: createSchema({ typeDefs: "type Query { ok: Boolean! }", resolvers: { Query: { ok: () => true } } }),
  graphqlEndpoint: "/graphql",
  cors: false,
  maskedErrors: true,
  logging: false,
  graphiql: false,
});

const server = createServer(yoga);
server.listen(Number(process.env.PORT ?? 4100), process.env.HOST ?? "127.0.0.1", () => {
  console.log(`bare graphql-yoga listening on ${process.env.PORT ?? 4100}`);
});
const stop = () => server.close(() => process.exit(0));
process.on("SIGTERM", stop);
process.on("SIGINT", stop);

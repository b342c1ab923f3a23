/**
 * Real SDK clients, each mocked with aws-sdk-client-mock to answer as one account: what doctor's
 * and preflight's in-process tests run against (test-support/doctor and test-support/preflight).
 */
import { mockClient } from "aws-sdk-client-mock";

/** Every command a tool may send, by client. */
export type Commands<C> = Record<keyof C, (new (input: never) => { input: unknown })[]>;

/**
 * Mocks every client of `clients`: each command of `commands` is answered by `answer` as
 * `accountId` and recorded in `sent` as "<account id> <operation>"; any other command fails the
 * run, naming `tool` and the client.
 */
export function mockEach<C extends object>(
  tool: string,
  clients: C,
  commands: Commands<C>,
  accountId: string,
  answer: (operation: string, input: Record<string, unknown>) => unknown,
  sent: string[],
): C {
  for (const [name, list] of Object.entries(commands) as [keyof C & string, Commands<C>[keyof C]][]) {
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    const stub = mockClient(clients[name] as any);
    stub.onAnyCommand().callsFake((input: unknown) => {
      throw new Error(`${tool} sent a command the mock does not know (client ${name}): ${JSON.stringify(input)}`);
    });
    for (const command of list) {
      const operation = command.name.replace(/Command$/, "");
      // eslint-disable-next-line @typescript-eslint/no-explicit-any
      stub.on(command as any).callsFake(async (input: Record<string, unknown>) => {
        sent.push(`${accountId} ${operation}`);
        return answer(operation, input);
      });
    }
  }
  return clients;
}

/** A Lambda `Context` for one invocation, with the remaining time counting down to the function timeout. */
import { randomUUID } from "node:crypto";
import type { Context } from "aws-lambda";

export interface ContextOptions {
  functionName: string;
  region: string;
  account: string;
  memoryMb: number;
  /** Epoch ms when the invocation times out. */
  deadline: number;
}

export function createLambdaContext(o: ContextOptions): Context {
  const unsupported = () => {
    throw new Error("callback-style completion (done/fail/succeed) is not supported: return a promise");
  };
  const day = new Date().toISOString().slice(0, 10).replaceAll("-", "/");
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName: o.functionName,
    functionVersion: "$LATEST",
    invokedFunctionArn: `arn:aws:lambda:${o.region}:${o.account}:function:${o.functionName}`,
    memoryLimitInMB: String(o.memoryMb),
    awsRequestId: randomUUID(),
    logGroupName: `/aws/lambda/${o.functionName}`,
    logStreamName: `${day}/[$LATEST]${randomUUID().replaceAll("-", "")}`,
    getRemainingTimeInMillis: () => Math.max(0, o.deadline - Date.now()),
    done: unsupported,
    fail: unsupported,
    succeed: unsupported,
  };
}

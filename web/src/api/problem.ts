// RFC 9457 problem details from the API, turned into an error the UI can explain.
export interface Problem {
  type?: string;
  title?: string;
  status?: number;
  detail?: string;
  /** Field errors of a 422: where (e.g. ["body", "address"]) and what is wrong. */
  errors?: { location?: (string | number)[]; message?: string; type?: string }[];
}

export class ApiError extends Error {
  readonly status: number;
  readonly problem: Problem;

  constructor(status: number, problem: Problem) {
    super(problem.detail ?? problem.title ?? `HTTP ${status}`);
    this.name = "ApiError";
    this.status = status;
    this.problem = problem;
  }
}

function isProblem(value: unknown): value is Problem {
  return typeof value === "object" && value !== null;
}

/** The data of an openapi-fetch answer, or an ApiError carrying its problem details. */
export function unwrap<T>(result: { data?: T; error?: unknown; response: Response }): T {
  if (result.response.ok && result.data !== undefined) {
    return result.data;
  }
  if (result.response.ok) {
    // 204 and friends: no body is the answer.
    return undefined as T;
  }
  const problem = isProblem(result.error) ? result.error : {};
  throw new ApiError(result.response.status, problem);
}

import type { ReactNode } from "react";
import { allows, type Requirement } from "../auth/permissions.ts";
import { useCurrentSession } from "../auth/session.ts";
import { NotPermitted } from "./NotPermitted.tsx";

export function RequirePermission({ requires, children }: { requires: Requirement; children: ReactNode }) {
  const session = useCurrentSession();
  if (!allows(session.permissions, requires)) return <NotPermitted />;
  return <>{children}</>;
}

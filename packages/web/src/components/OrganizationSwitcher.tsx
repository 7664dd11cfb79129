import { Select } from "@mantine/core";
import { useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { useNavigate } from "react-router-dom";
import { auth } from "../api/endpoints.ts";
import { SESSION_KEY, useCurrentSession } from "../auth/session.ts";
import { notifyError } from "./notify.ts";

/** Shown only to users who belong to several organizations. */
export function OrganizationSwitcher() {
  const session = useCurrentSession();
  const queryClient = useQueryClient();
  const navigate = useNavigate();
  const [busy, setBusy] = useState(false);
  if (session.organizations.length < 2) return null;

  const onChange = async (slug: string | null) => {
    if (!slug || slug === session.organization.slug) return;
    setBusy(true);
    try {
      const next = await auth.switchOrganization(slug);
      // Another organization's data must not linger: drop every cached answer.
      queryClient.clear();
      queryClient.setQueryData(SESSION_KEY, next);
      navigate("/");
    } catch (error) {
      notifyError(error, "Could not switch organization");
    } finally {
      setBusy(false);
    }
  };

  return (
    <Select
      aria-label="Organization"
      size="xs"
      w={200}
      visibleFrom="xs"
      allowDeselect={false}
      disabled={busy}
      value={session.organization.slug}
      data={session.organizations.map((org) => ({ value: org.slug, label: org.name }))}
      onChange={onChange}
    />
  );
}

import type { MouseEvent } from "react";

/** The first focusable element on every page: moves focus past the header and navigation to <main>. */
export function SkipLink() {
  const skip = (event: MouseEvent<HTMLAnchorElement>) => {
    const main = document.getElementById("main");
    if (!main) return;
    event.preventDefault();
    main.focus();
    main.scrollIntoView();
  };
  return (
    // biome-ignore lint/a11y/useValidAnchor: a real in-page link (works without script), enhanced to move focus without changing the address
    <a className="salus-skip-link" href="#main" onClick={skip}>
      Skip to main content
    </a>
  );
}

/** The first focusable element on every page: jumps past the header and navigation. */
export function SkipLink() {
  return (
    <a className="salus-skip-link" href="#main">
      Skip to main content
    </a>
  );
}

import { tokens } from '@civicgrid/admin-kit';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';

const root = createRoot(document.getElementById('root')!);

// Without a session the first page is the login page, a small app of its own (no Refine, router or
// layout); the full shell loads only for someone logged in. The page asked for is kept in `to`.
if (location.pathname === '/login' || !tokens.access()) {
  if (location.pathname !== '/login')
    history.replaceState(null, '', `/login?to=${encodeURIComponent(location.pathname + location.search)}`);
  void import('./login-app.tsx').then(({ LoginApp }) => root.render(<LoginApp />));
} else {
  void import('./App.tsx').then(({ App }) =>
    root.render(
      <StrictMode>
        <App />
      </StrictMode>,
    ),
  );
}

import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';

const root = createRoot(document.getElementById('root')!);

// The login page is its own small app; everything else loads the full Refine shell.
if (location.pathname === '/login') {
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

//! Panels kept from frame to frame: a panel whose inputs have not changed
//! is copied from the last frame it was drawn in instead of being drawn
//! again.
//!
//! The live loop draws whenever events arrive, but the system, trends,
//! alerts and bottlenecks panels change only when the view is ticked (once a second)
//! or an alert is acknowledged: [`Model::generation`] counts those changes.
//! Copying their cells is several times cheaper than laying out their text
//! again, which matters for both the CPU goal and the latency goal.
//! ratatui redraws every widget every frame and has no such cache, so it is
//! written here: a panel is drawn into the frame, then its cells are kept.

use ratatui::Frame;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;

use super::Theme;
use crate::tui::view::View;

/// The panels that can be kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Panel {
    System,
    Trends,
    Alerts,
    Bottlenecks,
}

impl Panel {
    const ALL: usize = 4;

    fn index(self) -> usize {
        self as usize
    }
}

#[derive(Debug, Clone)]
struct Kept {
    /// The generation of the view it was drawn from.
    generation: u64,
    theme: Theme,
    cells: Buffer,
}

/// The kept panels; empty at first, so the first frame draws everything.
#[derive(Debug, Clone, Default)]
pub struct Retained {
    kept: [Option<Kept>; Panel::ALL],
}

impl Retained {
    /// Draws `panel` in `area` with `draw`, or copies it from the last frame
    /// if neither `view`'s generation, nor the area, nor the theme changed.
    pub fn draw(
        &mut self,
        panel: Panel,
        frame: &mut Frame,
        area: Rect,
        view: &View,
        theme: Theme,
        draw: impl FnOnce(&mut Frame),
    ) {
        let slot = &mut self.kept[panel.index()];
        let target = frame.buffer_mut();
        if let Some(kept) = slot.as_ref()
            && kept.generation == view.generation
            && kept.theme == theme
            && kept.cells.area == area
            && target.area.intersection(area) == area
        {
            for y in area.top()..area.bottom() {
                for x in area.left()..area.right() {
                    target[(x, y)].clone_from(&kept.cells[(x, y)]);
                }
            }
            return;
        }
        draw(frame);
        let target = frame.buffer_mut();
        let area = target.area.intersection(area);
        let mut cells = match slot.take() {
            Some(mut kept) if kept.cells.area == area => {
                kept.cells.reset();
                kept.cells
            }
            _ => Buffer::empty(area),
        };
        for y in area.top()..area.bottom() {
            for x in area.left()..area.right() {
                cells[(x, y)].clone_from(&target[(x, y)]);
            }
        }
        *slot = Some(Kept {
            generation: view.generation,
            theme,
            cells,
        });
    }
}
